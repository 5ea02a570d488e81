/**
 * The designs `npm run simulate -- --design` measures, so that `npm run cost` prices each from its own counts:
 *
 * - learnpulse: the product as deployed (saveProgress, the scheduled flush).
 * - direct: every ping merged straight into Firestore by the product's degraded path (a transaction: read, write),
 *   each write firing the mirror triggers. No buffer, no flush.
 * - baseline: the seed's write-behind (tools/shared/seed-write-behind.ts): HSET + SADD + EXPIRE per ping, and at each
 *   window's end its flush (SMEMBERS, one pipeline of reads, one BulkWriter, SREM).
 *
 * The direct and baseline pings and the baseline flush are callables of the simulator's own stack (never deployed),
 * served by the same callable host through the product's wrapper, with saveProgress's schema and rate limit.
 */
import type { FunctionExport } from "@learnpulse/local-stack/functions-module.ts";
import { importFromFunctions } from "@learnpulse/local-stack/functions-module.ts";
import { productSeedCodec, seedFlush, seedPing } from "../shared/seed-write-behind.ts";

export const DESIGNS = ["learnpulse", "direct", "baseline"] as const;
export type Design = (typeof DESIGNS)[number];

/** The callable each design's players ping. */
export const PING_CALLABLE: Record<Design, string> = { learnpulse: "saveProgress", direct: "simDirectPing", baseline: "simBaselinePing" };
/** The baseline's flush, run by the simulator at each window's end as the schedule would. */
export const BASELINE_FLUSH_CALLABLE = "simBaselineFlush";

/** The design callables, for startStack's extraCallables (loaded after the product, with the env it reads). */
export async function designCallables(windowMs: number): Promise<Map<string, FunctionExport>> {
  const { onCall } = await importFromFunctions<{ onCall(handler: unknown): FunctionExport }>("firebase-functions/https");
  const { callable } = await import("../../functions/lib/callable.js");
  const { RATE_LIMITS } = await import("../../functions/lib/rate-limit.js");
  const { SaveProgressRequest } = await import("../../functions/lib/schemas/progress.js");
  const { EmptyRequest } = await import("../../functions/lib/schemas/common.js");
  const { writeDirect } = await import("../../functions/lib/progress/functions.js");
  const { upstashBulk } = await import("../../functions/lib/adapters/upstash.js");
  const { firestoreKit } = await import("../../functions/lib/adapters/firestore.js");

  const { decodeProgressHash } = await import("../../functions/lib/progress/layout.js");
  const codec = await productSeedCodec(windowMs);
  const asPing = (ping: { lectureId: string; position: number; duration?: number; playedSegments?: [number, number][] }) => ({
    lectureId: ping.lectureId,
    position: ping.position,
    duration: ping.duration ?? 0,
    playedSegments: ping.playedSegments ?? [],
    atMs: Date.now(),
  });
  const spec = (name: string) => ({ name, schema: SaveProgressRequest, rateLimit: RATE_LIMITS.saveProgress });

  const direct = callable(spec(PING_CALLABLE.direct), async (ping, caller) => {
    await writeDirect(caller.uid, ping.courseId, decodeProgressHash(codec.fieldsOf(asPing(ping))));
    return { message: "synced" };
  });
  const baseline = callable(spec(PING_CALLABLE.baseline), async (ping, caller) => {
    // The seed set no deadline of its own (the SDK has none): the flush's client, with its 10 s, stands for that.
    await seedPing(upstashBulk(), codec, caller.uid, ping.courseId, asPing(ping));
    return { message: "synced" };
  });
  const flush = callable({ name: BASELINE_FLUSH_CALLABLE, schema: EmptyRequest, role: "admin" }, async () => ({ keys: await seedFlush(upstashBulk(), (await firestoreKit()).db, codec) }));
  return new Map([
    [PING_CALLABLE.direct, onCall(direct)],
    [PING_CALLABLE.baseline, onCall(baseline)],
    [BASELINE_FLUSH_CALLABLE, onCall(flush)],
  ]);
}
