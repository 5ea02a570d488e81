/**
 * Listen (the watch protocol behind onSnapshot and the client SDK's getDoc), over DocumentStore, for both transports:
 * gRPC (firebase-admin, the JS SDK in Node) and WebChannel (the JS SDK in a browser, webchannel.ts).
 *
 * Why our own: the package's Listen serves only the first request of a stream, one target for good. The JS SDK keeps
 * one Listen stream per client and adds and removes targets on it as listeners come and go.
 *
 * The protocol, as the SDKs expect it: a new target is acknowledged (ADD), its documents follow, then CURRENT with a
 * resume token, then a global NO_CHANGE with a read time, which is what lets the SDK raise a consistent snapshot.
 * After each commit that touches a target, its changes and another global NO_CHANGE. A target resumed with a token
 * is RESET and sent whole (allowed by the protocol; the stand-in keeps no history to send only the difference).
 * Targets the rules refuse are removed with PERMISSION_DENIED as their cause, as Firestore does.
 */
import type { StructuredQuery } from "@firestore-emulator/proto/dist/google/firestore/v1/query.js";
import type { StoredDoc } from "./apply-write.ts";
import { runQuery } from "./query.ts";
import type { DocumentStore, FirestoreCommit } from "./store.ts";
import type { RestDocument } from "./values.ts";

export type TargetChangeType = "NO_CHANGE" | "ADD" | "REMOVE" | "CURRENT" | "RESET";

/** One ListenResponse, independent of the transport's encoding. */
export type WatchEvent =
  | { kind: "target"; type: TargetChangeType; targetIds: number[]; readTime?: string; resumeToken?: string; cause?: { code: number; message: string } }
  | { kind: "change"; document: RestDocument; targetIds: number[] }
  | { kind: "delete"; name: string; removedTargetIds: number[]; readTime: string }
  | { kind: "remove"; name: string; removedTargetIds: number[]; readTime: string };

export type WatchTarget =
  | { targetId: number; documents: string[]; resumed: boolean }
  | { targetId: number; query: { parent: string; structuredQuery: StructuredQuery }; resumed: boolean };

/** Decides whether the stream's caller may watch a target: null when it may, else the reason (rules.ts decides). */
export type TargetCheck = (target: WatchTarget) => string | null;

const PERMISSION_DENIED = 7;

interface ActiveTarget {
  target: WatchTarget;
  /** Document name -> updateTime of what the client holds for this target. */
  sent: Map<string, string>;
}

/** One Listen stream: its targets and what each has been sent. */
export class WatchStream {
  #targets = new Map<number, ActiveTarget>();
  #hub: WatchHub;
  #send: (event: WatchEvent) => void;
  #check: TargetCheck;

  /** The transport's way to cut the stream, as a network drop would (WatchHub.drop). */
  readonly abort: () => void;
  /** The signed-in uid of the client, if any: fault injection can cut one learner's streams. */
  readonly uid: string | null;

  constructor(hub: WatchHub, send: (event: WatchEvent) => void, check: TargetCheck, abort: () => void, uid: string | null) {
    this.#hub = hub;
    this.abort = abort;
    this.uid = uid;
    this.#send = (event) => (hub.stats.events++, send(event));
    this.#check = check;
    hub.open(this);
  }

  add(target: WatchTarget): void {
    const refusal = this.#check(target);
    if (refusal !== null) {
      this.#send({ kind: "target", type: "REMOVE", targetIds: [target.targetId], cause: { code: PERMISSION_DENIED, message: refusal } });
      return;
    }
    const active: ActiveTarget = { target, sent: new Map() };
    this.#targets.set(target.targetId, active);
    this.#send({ kind: "target", type: "ADD", targetIds: [target.targetId] });
    if (target.resumed) this.#send({ kind: "target", type: "RESET", targetIds: [target.targetId] });
    for (const doc of this.#hub.current(target)) this.#sendDoc(active, doc);
    const readTime = this.#hub.store.nextCommitTime();
    this.#send({ kind: "target", type: "CURRENT", targetIds: [target.targetId], readTime, resumeToken: tokenOf(readTime) });
    this.#send({ kind: "target", type: "NO_CHANGE", targetIds: [], readTime, resumeToken: tokenOf(readTime) });
  }

  remove(targetId: number): void {
    if (this.#targets.delete(targetId)) this.#send({ kind: "target", type: "REMOVE", targetIds: [targetId] });
  }

  close(): void {
    this.#targets.clear();
    this.#hub.close(this);
  }

  /** Sends what the commit changed in each target, then one global snapshot. */
  onCommit({ commitTime, writes }: FirestoreCommit): void {
    let changed = false;
    for (const active of this.#targets.values()) {
      const { target } = active;
      if ("documents" in target) {
        for (const { after, before } of writes) {
          const name = (after ?? before)!.name;
          if (!target.documents.includes(name)) continue;
          changed = true;
          if (after) this.#sendDoc(active, after);
          else this.#sendGone(active, name, "delete", commitTime);
        }
        continue;
      }
      if (!writes.some(({ after, before }) => inQueryScope(target.query, (after ?? before)!.name))) continue;
      const now = new Map(this.#hub.current(target).map((doc) => [doc.name, doc]));
      for (const [name, doc] of now) {
        if (active.sent.get(name) === doc.updateTime) continue;
        changed = true;
        this.#sendDoc(active, doc);
      }
      for (const name of [...active.sent.keys()]) {
        if (now.has(name)) continue;
        changed = true;
        const deleted = writes.some(({ after, before }) => before?.name === name && !after);
        this.#sendGone(active, name, deleted ? "delete" : "remove", commitTime);
      }
    }
    if (changed) this.#send({ kind: "target", type: "NO_CHANGE", targetIds: [], readTime: commitTime, resumeToken: tokenOf(commitTime) });
  }

  #sendDoc(active: ActiveTarget, doc: RestDocument): void {
    active.sent.set(doc.name, doc.updateTime);
    this.#send({ kind: "change", document: doc, targetIds: [active.target.targetId] });
  }

  #sendGone(active: ActiveTarget, name: string, kind: "delete" | "remove", readTime: string): void {
    active.sent.delete(name);
    this.#send({ kind, name, removedTargetIds: [active.target.targetId], readTime });
  }
}

/** The store's commits, fanned out to every open Listen stream. */
export class WatchHub {
  readonly #streams = new Set<WatchStream>();
  /** Listen streams opened and events sent on them since start, over either transport. */
  readonly stats = { streams: 0, events: 0 };
  readonly store: DocumentStore;
  /** Listening to the store only while a stream is open: each commit listener costs the store a copy of the commit. */
  #unsubscribe: (() => void) | undefined;

  constructor(store: DocumentStore) {
    this.store = store;
  }

  open(stream: WatchStream): void {
    this.#streams.add(stream);
    this.stats.streams++;
    this.#unsubscribe ??= this.store.onCommit((commit) => {
      for (const each of this.#streams) each.onCommit(commit);
    });
  }

  close(stream: WatchStream): void {
    this.#streams.delete(stream);
    if (this.#streams.size) return;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Fault injection: cuts every open Listen stream (or those of one signed-in uid), so clients must reconnect and resume. */
  drop(uid?: string): number {
    const dropped = [...this.#streams].filter((stream) => uid === undefined || stream.uid === uid);
    for (const stream of dropped) {
      stream.close();
      stream.abort();
    }
    return dropped.length;
  }

  current(target: WatchTarget): StoredDoc[] {
    if ("documents" in target) return target.documents.map((name) => this.store.get(name)).filter((doc) => doc !== null);
    return runQuery(this.store, target.query.parent, target.query.structuredQuery);
  }
}

/** Whether a document could belong to the query's results: it sits in the queried collection (or below, for a group). */
function inQueryScope(query: { parent: string; structuredQuery: StructuredQuery }, name: string): boolean {
  const from = query.structuredQuery.from[0];
  if (!from) return false;
  const collection = name.slice(0, name.lastIndexOf("/"));
  if (!from.all_descendants) return collection === `${query.parent}/${from.collection_id}`;
  return name.startsWith(`${query.parent}/`) && (from.collection_id === "" || collection.endsWith(`/${from.collection_id}`));
}

/** The stand-in keeps no history, so a resume token only has to be opaque and non-empty: the read time it stands for. */
const tokenOf = (readTime: string) => Buffer.from(readTime).toString("base64");
