/**
 * The seed's write-behind, as the first version of LearnPulse wrote it, kept here to be measured against (never
 * deployed): every ping is HSET + SADD (a set of dirty keys) + EXPIRE; the flush takes SMEMBERS of the set, reads
 * every key in one pipeline, writes every document in one BulkWriter, then SREMs what it read. Its documents are the
 * product's own (the same hash fields, decoded and merged by the product's code), so that only the algorithm differs.
 *
 * Its flaw: a ping that lands on a key after the flush read it and before the SREM stays in the hash, no longer
 * marked dirty. Nothing flushes it until that key pings again; a learner's last pings of a session are lost.
 */
import type { Redis } from "@upstash/redis";
import type { Firestore } from "firebase-admin/firestore";

export const SEED_DIRTY_SET = "seed:dirty";
const SEED_TTL_SECONDS = 86_400;

export interface SeedPing {
  lectureId: string;
  position: number;
  duration: number;
  playedSegments: [number, number][];
  atMs: number;
}

/** What the product's layout and merge give the seed (so that its documents are the product's). */
export interface SeedCodec {
  fieldsOf(ping: SeedPing): Record<string, string>;
  /** An HGETALL reply as field → value (the product's client answers flat arrays, undecoded). */
  hashOf(reply: unknown): Record<string, string>;
  documentOf(hash: Record<string, string>): Record<string, unknown>;
}

/**
 * The product's codec: its hash fields, its decode and its merge, so that the seed's documents are the product's.
 * It imports functions/lib when called, after the stack has set the environment those modules read.
 */
export async function productSeedCodec(windowMs: number): Promise<SeedCodec> {
  const { pingFields, decodeProgressHash } = await import("../../functions/lib/progress/layout.js");
  const { mergeBuffered } = await import("../../functions/lib/progress/merge.js");
  const { ProgressDoc } = await import("../../functions/lib/schemas/progress.js");
  const { windowOf } = await import("../../functions/lib/progress/window.js");
  const { hashFromReply } = await import("../../functions/lib/adapters/upstash.js");
  return {
    fieldsOf: (ping) => pingFields(windowOf(ping.atMs, windowMs), ping),
    hashOf: hashFromReply,
    documentOf: (hash) => mergeBuffered(ProgressDoc.parse({}), decodeProgressHash(hash), 0.9).doc,
  };
}

export const seedKey = (uid: string, courseId: string) => `seed:p:${uid}:${courseId}`;

/** The seed's ping: three billed commands, every time. */
export async function seedPing(redis: Redis, codec: SeedCodec, uid: string, courseId: string, ping: SeedPing): Promise<void> {
  const key = seedKey(uid, courseId);
  await redis.pipeline().hset(key, codec.fieldsOf(ping)).sadd(SEED_DIRTY_SET, key).expire(key, SEED_TTL_SECONDS).exec();
}

/** The seed's flush: one SMEMBERS, one pipeline of HGETALLs, one BulkWriter, one SREM. Returns the keys written. */
export async function seedFlush(redis: Redis, db: Firestore, codec: SeedCodec): Promise<number> {
  const members = (await redis.smembers(SEED_DIRTY_SET)).map(String);
  if (!members.length) return 0;
  const pipeline = redis.pipeline();
  for (const key of members) pipeline.hgetall(key);
  const hashes = await pipeline.exec();
  const writer = db.bulkWriter();
  members.forEach((key, index) => {
    const [, , uid, courseId] = key.split(":");
    void writer.set(db.doc(`users/${uid}/progress/${courseId}`), codec.documentOf(codec.hashOf(hashes[index])), { merge: true });
  });
  await writer.close();
  await redis.srem(SEED_DIRTY_SET, ...members);
  return members.length;
}
