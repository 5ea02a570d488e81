/**
 * The documents, the commit clock and the commit log. A commit is computed completely before anything is stored,
 * so a write that fails its precondition leaves the database untouched, and listeners hear of each commit once,
 * with every document it changed as it was before and after.
 */
import type { Write } from "@firestore-emulator/proto/dist/google/firestore/v1/write.js";
import { status } from "@grpc/grpc-js";
import { applyWrite, FirestoreError, writeTarget, type StoredDoc } from "./apply-write.ts";
import { isoToTimestamp, microsToIso, toProtoValue, type ProtoValueObject, type RestDocument, type RestValue } from "./values.ts";
import { checkDocumentLimits, type IndexConfig } from "./limits.ts";

export interface FirestoreWrite {
  /** Document path relative to the database root, e.g. "users/u1/progress/c1". */
  path: string;
  /** The document before the commit; null when it did not exist. */
  before: RestDocument | null;
  /** The document after the commit; null when it was deleted. */
  after: RestDocument | null;
}

export interface FirestoreCommit {
  /** Commit time in proto3 JSON (microsecond precision, like Firestore). */
  commitTime: string;
  /** Only the documents the commit changed. */
  writes: FirestoreWrite[];
}

export interface CommitOutcome {
  commitTime: string;
  writeResults: Array<{ update_time?: { seconds: number; nanos: number }; transform_results: ProtoValueObject[] }>;
}

export interface StoreStats {
  writes: number;
  commits: number;
  reads: number;
}

const DOCUMENTS_MARKER = "/documents/";

export class DocumentStore {
  readonly stats: StoreStats = { writes: 0, commits: 0, reads: 0 };
  #docs = new Map<string, StoredDoc>();
  /** Collection name -> its documents, so a plain collection query does not scan the database. */
  #collections = new Map<string, Map<string, StoredDoc>>();
  #listeners = new Set<(commit: FirestoreCommit) => void>();
  #lastMicros = 0;
  readonly #indexes: IndexConfig;

  /** `indexes`: the project's index configuration, for the index-entry limit (limits.ts). */
  constructor(indexes: IndexConfig = {}) {
    this.#indexes = indexes;
  }

  get(name: string): StoredDoc | null {
    return this.#docs.get(name) ?? null;
  }

  all(): Iterable<StoredDoc> {
    return this.#docs.values();
  }

  inCollection(collectionName: string): Iterable<StoredDoc> {
    return this.#collections.get(collectionName)?.values() ?? [];
  }

  collectionNames(): Iterable<string> {
    return this.#collections.keys();
  }

  onCommit(listener: (commit: FirestoreCommit) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Strictly increasing microseconds, so every commit has its own time and updateTime works as a version. */
  nextCommitTime(): string {
    const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    this.#lastMicros = Math.max(now, this.#lastMicros + 1);
    return microsToIso(this.#lastMicros);
  }

  /** Commits writing under this path prefix fail with DEADLINE_EXCEEDED (fault injection for tests; the SDK does not retry a commit that met it); null: none do. */
  failingPrefix: string | null = null;

  /** Applies all writes or none; throws the first write's FirestoreError. */
  commit(writes: Write[]): CommitOutcome {
    const failing = this.failingPrefix;
    if (failing !== null && writes.some((write) => relativePath(writeTarget(write)).startsWith(failing))) {
      throw new FirestoreError(status.DEADLINE_EXCEEDED, `Deadline exceeded (stand-in fault on ${failing}).`);
    }
    const commitTime = this.nextCommitTime();
    const staged = new Map<string, StoredDoc | null>();
    const outcomes = writes.map((write) => {
      const name = writeTarget(write);
      const current = staged.has(name) ? (staged.get(name) ?? null) : this.get(name);
      const outcome = applyWrite(current, write, commitTime);
      staged.set(name, outcome.doc);
      return { name, outcome };
    });

    // Checked before anything is applied: a commit that Firestore refuses changes nothing.
    for (const [name, staging] of staged) if (staging) checkDocumentLimits(name, staging.fields, this.#indexes);

    const changes: FirestoreWrite[] = [];
    for (const [name, staging] of staged) {
      const before = this.get(name);
      // A write that leaves a document as it was keeps its updateTime and fires no event, as in Firestore.
      if (sameDocument(before, staging)) continue;
      const after = staging && before ? { ...staging, createTime: before.createTime } : staging;
      this.#put(name, after);
      changes.push({ path: relativePath(name), before, after });
    }

    this.stats.commits++;
    this.stats.writes += writes.length;
    if (changes.length > 0) this.#emit({ commitTime, writes: changes });
    return {
      commitTime,
      writeResults: outcomes.map(({ name, outcome }) => {
        const stored = this.get(name);
        const updateTime = stored ? isoToTimestamp(stored.updateTime) : undefined;
        return {
          ...(updateTime ? { update_time: updateTime } : {}),
          transform_results: outcome.transformResults.map((value: RestValue) => toProtoValue(value)),
        };
      }),
    };
  }

  clear(): void {
    this.#docs.clear();
    this.#collections.clear();
  }

  #put(name: string, doc: StoredDoc | null): void {
    const slash = name.lastIndexOf("/");
    const collection = name.slice(0, slash);
    const id = name.slice(slash + 1);
    if (doc) {
      this.#docs.set(name, doc);
      let members = this.#collections.get(collection);
      if (!members) this.#collections.set(collection, (members = new Map()));
      members.set(id, doc);
    } else {
      this.#docs.delete(name);
      const members = this.#collections.get(collection);
      members?.delete(id);
      if (members?.size === 0) this.#collections.delete(collection);
    }
  }

  #emit(commit: FirestoreCommit): void {
    for (const listener of this.#listeners) {
      try {
        // Each listener gets its own copy: a sink that edits its event must not edit the database.
        listener(structuredClone(commit));
      } catch (error) {
        console.error("firestore stand-in: commit listener failed", error);
      }
    }
  }
}

/** "projects/p/databases/(default)/documents/users/u1" -> "users/u1". */
export function relativePath(name: string): string {
  const at = name.indexOf(DOCUMENTS_MARKER);
  return at < 0 ? name : name.slice(at + DOCUMENTS_MARKER.length);
}

function sameDocument(a: StoredDoc | null, b: StoredDoc | null): boolean {
  if (!a || !b) return a === b;
  return deepEqual(a.fields, b.fields);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || !a || !b) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return keysA.every((key) => Object.hasOwn(y, key) && deepEqual(x[key], y[key]));
}
