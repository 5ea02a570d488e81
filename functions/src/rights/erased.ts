/**
 * Who has been erased, for the paths that could bring a learner's data back after an erasure: a change delivery
 * that arrives late (its event happened before, or is the erasure's own delete) and a ping buffered in Redis.
 *
 * - `_sync/erasures/erasedUsers/{uid}`: written before anything is deleted, kept ERASED_KEEP_MS (TTL `expireAt`), longer
 *   than any delivery may still arrive (an event older than 6 hours becomes a dead letter, and the erasure deletes
 *   those). Deliveries read the set of them, cached per instance for ERASED_CACHE_MS: a change let through in that
 *   window is removed again by the erasure's follow-up pass, which runs after it.
 * - `lp:erased` on the user's Upstash shard: a sorted set of uids by erasure time, read once per flush part, whose
 *   keys the flush deletes unwritten (a ping racing the erasure); entries older than a day are trimmed, by then no
 *   token issued before the erasure is still valid.
 */
import type { Redis } from "@upstash/redis";
import type { FirestoreKit } from "../adapters/firestore.js";
import type { ChangeEnvelope } from "../sync/envelope.js";

export const ERASED_USERS = "_sync/erasures/erasedUsers";
export const ERASED_KEY = "lp:erased";
/** A week: longer than a delivery's 6-hour age limit and the erasure's follow-up passes. */
export const ERASED_KEEP_MS = 7 * 86_400_000;
/** How stale a delivery instance's view of the erased users may be; the follow-up pass waits longer than this. */
export const ERASED_CACHE_MS = 30_000;
/** Firebase ID tokens live an hour: after a day no client of an erased user can still ping. */
const ERASED_REDIS_KEEP_MS = 86_400_000;

/** The learner a change belongs to: the `{uid}` of a path under users/, or the `uid` field of an owned document. */
export function uidOfEnvelope(envelope: ChangeEnvelope): string | undefined {
  const fromPath = envelope.pathParams["uid"];
  if (fromPath) return fromPath;
  if (envelope.collection === "users") return envelope.documentId;
  const owner = envelope.after?.["uid"] ?? envelope.before?.["uid"];
  return typeof owner === "string" ? owner : undefined;
}

let cached: { uids: Promise<ReadonlySet<string>>; at: number } | undefined;

/** The erased users, as of at most ERASED_CACHE_MS ago. */
export function erasedUids(kit: FirestoreKit, nowMs = Date.now()): Promise<ReadonlySet<string>> {
  if (!cached || nowMs - cached.at > ERASED_CACHE_MS) {
    // The whole (small) collection: expireAt has no index (it is the TTL field), and TTL deletes a day or so late.
    const uids = kit.db
      .collection(ERASED_USERS)
      .select("expireAt")
      .get()
      .then((page) => new Set(page.docs.filter((doc) => (doc.get("expireAt") as { toMillis(): number }).toMillis() > nowMs).map((doc) => doc.id)));
    cached = { uids, at: nowMs };
    // A failed read is not cached: the next delivery asks again.
    uids.catch(() => (cached = undefined));
  }
  return cached.uids;
}

/** Forgets the cached set (tests, and the erasure's own instance, which knows better). */
export function forgetErasedUids(): void {
  cached = undefined;
}

export async function markErasedInFirestore(kit: FirestoreKit, uid: string, requestId: string, nowMs: number): Promise<void> {
  await kit.db.doc(`${ERASED_USERS}/${uid}`).set({ requestId, erasedAt: kit.sdk.Timestamp.fromMillis(nowMs), expireAt: kit.sdk.Timestamp.fromMillis(nowMs + ERASED_KEEP_MS) });
  forgetErasedUids();
}

export async function markErasedInRedis(cache: Pick<Redis, "pipeline">, uid: string, nowMs: number): Promise<void> {
  await cache.pipeline().zadd(ERASED_KEY, { score: nowMs, member: uid }).zremrangebyscore(ERASED_KEY, 0, nowMs - ERASED_REDIS_KEEP_MS).exec();
}

/** The uids whose buffered pings a flush must drop (one command per flush part). */
export async function erasedInRedis(cache: Pick<Redis, "zrange">): Promise<ReadonlySet<string>> {
  return new Set((await cache.zrange<string[]>(ERASED_KEY, 0, -1)).map(String));
}
