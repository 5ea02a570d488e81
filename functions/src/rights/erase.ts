/**
 * Erasure of a learner from every store (API.md deleteUserData, deleteMyData, getErasure): the right to be
 * forgotten, where Firebase's own Delete User Data extension stops at Firestore.
 *
 * The learner is marked erased first (erased.ts), so nothing can bring their data back while it is deleted: no sink
 * takes a change of theirs, and no flush writes a ping of theirs. Then a pass deletes in every store and counts
 * what is left (erase-stores.ts). Passes repeat on the `eraseUser` task queue: one follow-up always, after the
 * deliveries' cached view of the erased users has caught up (ERASED_CACHE_MS) and any flush that read the buffer
 * before the erasure has written (so what either put back is deleted again); then as long as a store still holds
 * something, which BigQuery does for rows in its streaming buffer (~30 minutes). The request is `done` when a
 * follow-up pass finds nothing anywhere.
 *
 * `_sync/erasures/requests/{requestId}` is the report: who asked, each store's deleted and remaining, the passes.
 * It and the erased mark name the uid: they are the record that the erasure happened, which getErasure reads.
 */
import { randomUUID } from "node:crypto";
import type { FirestoreKit } from "../adapters/firestore.js";
import { NotFoundError } from "../errors.js";
import * as logs from "../logs.js";
import { ERASURE_STORES, type ErasureResponse, type ErasureStore, type StoreErasure } from "../schemas/rights.js";
import { markErasedInFirestore } from "./erased.js";

export const ERASURE_REQUESTS = "_sync/erasures/requests";
/** Passes after which an erasure stops scheduling itself and waits, pending, for an operator (logged). */
export const MAX_ERASURE_PASSES = 50;

/** One store's pass over the learner (erase-stores.ts), bound to its client. */
export type StorePass = (target: { uid: string; paths: readonly string[] }, nowMs: number) => Promise<StoreErasure>;

export interface ErasureDeps {
  kit: FirestoreKit;
  /** The learner's document paths in Firestore (collected before each pass deletes them). */
  collectPaths(uid: string): Promise<string[]>;
  /** Each store's pass; Firestore's runs last, after the paths it holds have reached the others. */
  stores: Record<ErasureStore, StorePass>;
  /** Schedules the next pass of `requestId` in `delaySeconds`. */
  scheduleNext(requestId: string, delaySeconds: number): Promise<void>;
  /** Seconds before the first follow-up (longer than ERASED_CACHE_MS and a flush) and between passes while a store holds rows. */
  followUpSeconds: number;
  retrySeconds: number;
}

interface RequestDoc {
  uid: string;
  requestedBy: string;
  passes: number;
  status: "done" | "pending";
  stores: Record<ErasureStore, StoreErasure>;
}

/**
 * The learner's document paths found by any pass, in `paths/{n}` under the request, PATHS_PER_CHUNK each (a learner's
 * activities are unbounded, a document is not): later passes look for them in the sinks, whose tombstones of a
 * deleted answer or activity name it only by path. Deleted once the erasure is done.
 */
const PATHS_PER_CHUNK = 2_000;

async function readPaths(kit: FirestoreKit, requestId: string): Promise<string[]> {
  const chunks = await kit.db.collection(`${ERASURE_REQUESTS}/${requestId}/paths`).get();
  return chunks.docs.flatMap((doc) => doc.get("paths") as string[]);
}

async function writePaths(kit: FirestoreKit, requestId: string, paths: readonly string[]): Promise<void> {
  const batch = kit.db.batch();
  for (let start = 0, n = 0; start < paths.length; start += PATHS_PER_CHUNK, n++) {
    batch.set(kit.db.doc(`${ERASURE_REQUESTS}/${requestId}/paths/${n}`), { paths: paths.slice(start, start + PATHS_PER_CHUNK) });
  }
  await batch.commit();
}

/**
 * Starts an erasure: marks the learner erased, runs the first pass and schedules the follow-up. `requestedBy` is the
 * admin's uid, the learner's own, or "auth" for a deleted Auth user. A `requestId` given (an event's) that exists
 * already answers that request as it stands: a redelivered event erases once.
 */
export async function startErasure(deps: ErasureDeps, uid: string, requestedBy: string, nowMs = Date.now(), requestId = randomUUID().replaceAll("-", "")): Promise<ErasureResponse> {
  const ref = deps.kit.db.doc(`${ERASURE_REQUESTS}/${requestId}`);
  const existing = await ref.get();
  if (existing.exists) return responseOf(requestId, existing.data() as RequestDoc);
  await markErasedInFirestore(deps.kit, uid, requestId, nowMs);
  const empty = Object.fromEntries(ERASURE_STORES.map((store) => [store, { deleted: 0, remaining: 0 }])) as Record<ErasureStore, StoreErasure>;
  const request: RequestDoc = { uid, requestedBy, passes: 0, status: "pending", stores: empty };
  await ref.create({ ...request, createdAt: deps.kit.sdk.Timestamp.fromMillis(nowMs) });
  logs.erasureStarted({ requestId, requestedBy: requestedBy === "auth" ? "auth" : requestedBy === uid ? "self" : "admin" });
  // The follow-up is on the queue before the first pass can fail: a store down now delays the erasure, never drops it.
  await deps.scheduleNext(requestId, deps.followUpSeconds);
  try {
    return await runPass(deps, requestId, request, nowMs, false);
  } catch (error) {
    logs.erasurePassFailed({ requestId, error });
    return responseOf(requestId, request);
  }
}

/** A follow-up pass (the eraseUser task). */
export async function continueErasure(deps: ErasureDeps, requestId: string, nowMs = Date.now()): Promise<ErasureResponse> {
  const snap = await deps.kit.db.doc(`${ERASURE_REQUESTS}/${requestId}`).get();
  if (!snap.exists) throw new NotFoundError("No such erasure request");
  const request = snap.data() as RequestDoc;
  if (request.status === "done") return responseOf(requestId, request);
  return runPass(deps, requestId, request, nowMs);
}

export async function readErasure(kit: FirestoreKit, requestId: string): Promise<ErasureResponse> {
  const snap = await kit.db.doc(`${ERASURE_REQUESTS}/${requestId}`).get();
  if (!snap.exists) throw new NotFoundError("No such erasure request");
  return responseOf(requestId, snap.data() as RequestDoc);
}

/** One pass; `scheduleNext` false for the first, whose follow-up is already on the queue. */
async function runPass(deps: ErasureDeps, requestId: string, request: RequestDoc, nowMs: number, scheduleNext = true): Promise<ErasureResponse> {
  const paths = [...new Set([...(await readPaths(deps.kit, requestId)), ...(await deps.collectPaths(request.uid))])];
  await writePaths(deps.kit, requestId, paths);
  const target = { uid: request.uid, paths };
  const pass = {} as Record<ErasureStore, StoreErasure>;
  // Firestore last: until its documents are gone, a failed pass can still find their paths there.
  for (const store of ERASURE_STORES.filter((name) => name !== "firestore")) pass[store] = await deps.stores[store](target, nowMs);
  pass.firestore = await deps.stores.firestore(target, nowMs);

  const passes = request.passes + 1;
  const remaining = ERASURE_STORES.some((store) => pass[store].remaining > 0);
  const status = passes >= 2 && !remaining ? "done" : "pending";
  const stores = Object.fromEntries(ERASURE_STORES.map((store) => [store, { deleted: request.stores[store].deleted + pass[store].deleted, remaining: pass[store].remaining }])) as Record<
    ErasureStore,
    StoreErasure
  >;
  const updated: RequestDoc = { ...request, passes, status, stores };
  await deps.kit.db.doc(`${ERASURE_REQUESTS}/${requestId}`).set({ ...updated, updatedAt: deps.kit.sdk.Timestamp.fromMillis(nowMs) }, { merge: true });
  if (status === "done") await deps.kit.db.recursiveDelete(deps.kit.db.collection(`${ERASURE_REQUESTS}/${requestId}/paths`));
  logs.erasurePass({ requestId, passes, status, remaining: Object.fromEntries(ERASURE_STORES.map((store) => [store, pass[store].remaining])) });
  if (status === "pending" && scheduleNext) {
    if (passes >= MAX_ERASURE_PASSES) logs.erasureStuck({ requestId, passes });
    else await deps.scheduleNext(requestId, pass.bigquery.remaining > 0 ? deps.retrySeconds : deps.followUpSeconds);
  }
  return responseOf(requestId, updated);
}

function responseOf(requestId: string, request: RequestDoc): ErasureResponse {
  return { uid: request.uid, requestId, status: request.status, stores: request.stores };
}
