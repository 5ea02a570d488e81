/**
 * The 5-second ping (API.md saveProgress): one HSET on the user's Upstash shard, nothing else (progress/layout.ts).
 * When Upstash cannot take it, the ping is either shed or written straight to Firestore (docs/architecture.md
 * "Load shedding"):
 * - Upstash answered too slowly (saturated: over its command rate it throttles) or said it is over a limit: the client
 *   is told `resource-exhausted` with `retryAfterMs` and keeps the position (client/src/progress-tracker.ts). Writing
 *   each such ping to Firestore instead would add a transaction and its fan-out per ping exactly when the platform is
 *   busiest.
 * - Upstash is unreachable (refused, reset, 503): the ping is merged into Firestore (degraded mode) and acknowledged,
 *   so an outage loses nothing.
 * Either way the HSET may still be applied later; it is idempotent and merged by ping time, so that is harmless.
 */
import { UpstashTimeoutError } from "../adapters/upstash-transport.js";
import { RateLimitedError } from "../errors.js";
import * as logs from "../logs.js";
import type { SaveProgressRequest } from "../schemas/progress.js";
import { bufferKey, decodeProgressHash, pingFields, type BufferedProgress } from "./layout.js";
import { windowOf } from "./window.js";

/** What the ping needs of Upstash: one HSET (coalesced in production, see coalescingHset). */
export interface PingCache {
  hset(key: string, fields: Record<string, string>): Promise<number>;
}

/** Writes buffered progress straight to Firestore (the degraded path). */
export type DirectWriter = (uid: string, courseId: string, buffered: BufferedProgress) => Promise<unknown>;

export interface PingDeps {
  /** The user's shard. */
  cache: PingCache;
  writeDirect: DirectWriter;
  windowMs: number;
  now?: () => number;
}

export type PingOutcome = "buffered" | "degraded";

/** How long a shed client waits: one ping interval, so a saturated shard sees its load spread rather than repeated at once. */
export const SHED_RETRY_AFTER_MS = 5_000;

export async function recordPing(deps: PingDeps, uid: string, ping: SaveProgressRequest): Promise<PingOutcome> {
  const atMs = (deps.now ?? Date.now)();
  // A literal, not `{ ...ping, atMs }`: spreading the decoded request cost more than building the fields (profiled).
  const at = { lectureId: ping.lectureId, position: ping.position, duration: ping.duration, playedSegments: ping.playedSegments, atMs };
  const fields = pingFields(windowOf(atMs, deps.windowMs), at);
  try {
    await deps.cache.hset(bufferKey(uid, ping.courseId), fields);
    return "buffered";
  } catch (error) {
    if (isSaturated(error)) {
      logs.pingShed({ courseId: ping.courseId, reason: reasonOf(error) });
      throw new RateLimitedError("The progress buffer is busy; retry shortly", { retryAfterMs: SHED_RETRY_AFTER_MS });
    }
    logs.pingDegraded({ courseId: ping.courseId, reason: reasonOf(error) });
    await deps.writeDirect(uid, ping.courseId, decodeProgressHash(fields));
    return "degraded";
  }
}

/**
 * Upstash is there but cannot keep up: no answer within the deadline (over its rate it throttles rather than refuses),
 * or an answer that it is over a request limit. A refused or reset connection, a 503 or a gateway's page is not this.
 */
export function isSaturated(error: unknown): boolean {
  if (error instanceof UpstashTimeoutError) return true;
  return error instanceof Error && error.name === "UpstashError" && /limit exceeded|too many requests/i.test(error.message);
}

function reasonOf(error: unknown): string {
  if (error instanceof UpstashTimeoutError) return "timeout";
  if (error instanceof Error) return error.name;
  return "unknown";
}
