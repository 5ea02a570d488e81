/** Upstash Redis through its official REST client, created once per instance on first use. */
import { Redis } from "@upstash/redis";
import { UPSTASH_REDIS_REST_TOKEN, UPSTASH_REDIS_REST_URL } from "../config.js";

/**
 * How long one Redis request may take before the caller gives up (and the ping falls back to Firestore).
 * Upstash answers writes in < 5 ms p99 in-region (upstash.com/docs/redis/features/globaldatabase); 500 ms is
 * far beyond a healthy answer yet short enough that a client's 5-second ping cadence is not disturbed.
 */
export const REDIS_TIMEOUT_MS = 500;

let redis: Redis | undefined;

export function upstash(): Redis {
  redis ??= new Redis({
    url: UPSTASH_REDIS_REST_URL.value(),
    token: UPSTASH_REDIS_REST_TOKEN.value(),
    // One quick retry only: a hot path that waits out the client's default 5 retries with backoff would stall pings.
    retry: { retries: 1, backoff: () => 20 },
    signal: () => AbortSignal.timeout(REDIS_TIMEOUT_MS),
    enableTelemetry: false,
    // Values come back as the strings Redis holds; the layout code decides what is a number (no JSON guessing).
    automaticDeserialization: false,
    keepAlive: true,
  });
  return redis;
}

/**
 * A hash as Redis returns it to a client without automatic deserialization: HGETALL answers a flat
 * `[field, value, field, value, ...]` list (or null for a missing key). Values stay strings.
 */
export function hashFromReply(reply: unknown): Record<string, string> {
  if (Array.isArray(reply)) {
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) hash[String(reply[i])] = String(reply[i + 1]);
    return hash;
  }
  if (reply && typeof reply === "object") {
    return Object.fromEntries(Object.entries(reply).map(([field, value]) => [field, String(value)]));
  }
  return {};
}
