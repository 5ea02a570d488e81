/** Walking a Redis keyspace with SCAN, a page at a time. */
import type { Redis } from "@upstash/redis";

/** SCAN page size: Upstash bills each SCAN call as one command, whatever its COUNT. */
export const SCAN_COUNT = 1_000;

/** The keys matching `match`, one SCAN page at a time (a key may come twice: SCAN's guarantee is at least once). */
export async function* scanPages(cache: Pick<Redis, "scan">, match: string, count = SCAN_COUNT): AsyncGenerator<string[]> {
  let cursor = "0";
  do {
    const [next, found] = await cache.scan(cursor, { match, count });
    cursor = String(next);
    yield found.map(String);
  } while (cursor !== "0");
}
