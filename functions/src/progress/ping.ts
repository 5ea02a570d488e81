/**
 * The 5-second ping (API.md saveProgress): one HSET on Upstash, plus — once per key per flush window — the dirty
 * mark and TTL refresh. If Upstash fails or is slow, the ping is written straight to Firestore instead (degraded
 * mode), so that nothing acknowledged is ever lost.
 */
import type { Redis } from "@upstash/redis";
import * as logs from "../logs.js";
import type { SaveProgressRequest } from "../schemas/progress.js";
import { decodeProgressHash, dirtyKey, pingFields, progressKey, PROGRESS_TTL_SECONDS, type BufferedProgress } from "./layout.js";
import { windowOf } from "./window.js";

/** What the ping needs of Upstash: one HSET (coalesced in production, see coalescingHset), and rarely the rest. */
export interface PingCache extends Pick<Redis, "hdel" | "pipeline"> {
  hset(key: string, fields: Record<string, string>): Promise<number>;
}

/** Writes buffered progress straight to Firestore (the degraded path). */
export type DirectWriter = (uid: string, courseId: string, buffered: BufferedProgress) => Promise<unknown>;

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
  try {
    await bufferPing(deps.cache, key, window, fields);
    return "buffered";
  } catch (error) {
    logs.pingDegraded({ courseId: ping.courseId, reason: reasonOf(error) });
    await deps.writeDirect(uid, ping.courseId, decodeProgressHash(fields));
    return "degraded";
  }
}

async function bufferPing(cache: PingCache, key: string, window: number, fields: Record<string, string>): Promise<void> {
  const added = await cache.hset(key, fields);
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
  if (error instanceof Error) return error.name === "TimeoutError" || error.name === "AbortError" ? "timeout" : error.name;
  return "unknown";
}
