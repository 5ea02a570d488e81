/**
 * The 5-second ping (API.md saveProgress): one HSET on Upstash, plus — once per key per flush window — the dirty
 * mark and TTL refresh. If Upstash fails or is slow, the ping is written straight to Firestore instead (degraded
 * mode), so that nothing acknowledged is ever lost.
 */
import type { Redis } from "@upstash/redis";
import { refusedBeforeSending } from "../adapters/upstash.js";
import { UpstashTimeoutError } from "../adapters/upstash-transport.js";
import * as logs from "../logs.js";
import type { SaveProgressRequest } from "../schemas/progress.js";
import { decodeProgressHash, dirtyKey, pingFields, progressKey, PROGRESS_TTL_SECONDS, type BufferedProgress } from "./layout.js";
import { windowOf } from "./window.js";

/** What the ping needs of Upstash: one HSET (coalesced in production, see coalescingHset), and rarely the rest. */
export interface PingCache extends Pick<Redis, "hdel" | "pipeline"> {
  hset(key: string, fields: Record<string, string>): Promise<number>;
}

/**
 * Writes buffered progress straight to Firestore (the degraded path). With `unmarkedWindow`, it also records, in the
 * same transaction, that the key may hold fields of that window without its dirty mark, for the flush to mark it.
 */
export type DirectWriter = (uid: string, courseId: string, buffered: BufferedProgress, unmarkedWindow?: number) => Promise<unknown>;

export interface PingDeps {
  cache: PingCache;
  writeDirect: DirectWriter;
  windowMs: number;
  now?: () => number;
}

export type PingOutcome = "buffered" | "degraded";

export async function recordPing(deps: PingDeps, uid: string, ping: SaveProgressRequest): Promise<PingOutcome> {
  const atMs = (deps.now ?? Date.now)();
  const window = windowOf(atMs, deps.windowMs);
  const key = progressKey(uid, ping.courseId);
  const fields = pingFields(window, { ...ping, atMs });
  const progress = { hsetApplied: false };
  try {
    await bufferPing(deps.cache, key, window, fields, progress);
    return "buffered";
  } catch (error) {
    logs.pingDegraded({ courseId: ping.courseId, reason: reasonOf(error) });
    // Redis may now hold this ping's fields without the key's dirty mark: an HSET that timed out can still be
    // applied, and the mark can fail after the HSET. The window's next ping would then find its fields present, take
    // the key for marked, and be acknowledged without ever reaching Firestore. Only a connection that was refused
    // certainly wrote nothing.
    const mayBeUnmarked = progress.hsetApplied || !refusedBeforeSending(error);
    await deps.writeDirect(uid, ping.courseId, decodeProgressHash(fields), mayBeUnmarked ? window : undefined);
    return "degraded";
  }
}

async function bufferPing(cache: PingCache, key: string, window: number, fields: Record<string, string>, progress: { hsetApplied: boolean }): Promise<void> {
  const added = await cache.hset(key, fields);
  progress.hsetApplied = true;
  if (added !== Object.keys(fields).length) return; // not the key's first ping in this window: already marked
  try {
    await cache.pipeline().sadd(dirtyKey(window), key).expire(key, PROGRESS_TTL_SECONDS).exec();
  } catch (error) {
    // Unmarked fields would never be flushed, and while they exist no later ping in this window would mark the
    // key. Remove them (best effort) so the next ping marks again; this ping goes to Firestore instead.
    await cache.hdel(key, ...Object.keys(fields)).catch(() => undefined);
    throw error;
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof UpstashTimeoutError) return "timeout";
  if (error instanceof Error) return error.name;
  return "unknown";
}
