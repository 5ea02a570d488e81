/**
 * The sync status (API.md getSyncStatus), in O(1): two `_sync` documents, one count of dead letters per sink and one
 * of quarantined keys, and
 * one Redis pipeline of SCARDs over the recent flush windows — never a scan of user data.
 */
import type { Redis } from "@upstash/redis";
import type { FirestoreKit } from "../adapters/firestore.js";
import type { MigrationPhase } from "../config.js";
import { dirtyKey } from "../progress/layout.js";
import { QUARANTINE_COLLECTION } from "../progress/store.js";
import { windowOf, windowStartMs } from "../progress/window.js";
import type { SyncStatusResponse } from "../schemas/sync.js";
import { DEAD_LETTERS } from "./dead-letters.js";
import { SINKS_STATUS } from "./sink-status.js";
import { SINK_NAMES, type SinkName } from "./sinks/sink.js";

export const WRITE_BEHIND_STATUS = "_sync/writeBehind";
/** Windows looked at for dirty keys: the open one and the two before it (a healthy flush drains the rest). */
const RECENT_WINDOWS = 3;

export interface StatusOptions {
  phase: MigrationPhase;
  enabled(sink: SinkName): boolean;
  windowMs: number;
  nowMs?: number;
}

type TimestampLike = { toDate(): Date } | undefined;
const iso = (value: unknown) => ((value as TimestampLike)?.toDate ? (value as { toDate(): Date }).toDate().toISOString() : null);

export async function readSyncStatus(kit: FirestoreKit, cache: Pick<Redis, "pipeline">, options: StatusOptions): Promise<SyncStatusResponse> {
  const nowMs = options.nowMs ?? Date.now();
  const [[writeBehind, sinks], deadLetters, dirty, quarantined] = await Promise.all([
    kit.db.getAll(kit.db.doc(WRITE_BEHIND_STATUS), kit.db.doc(SINKS_STATUS)),
    Promise.all(SINK_NAMES.map(async (sink) => (await kit.db.collection(DEAD_LETTERS).where("sink", "==", sink).count().get()).data().count)),
    recentDirty(cache, nowMs, options.windowMs),
    kit.db.collection(QUARANTINE_COLLECTION).count().get().then((counted) => counted.data().count),
  ]);
  const lastFlush = writeBehind?.get("lastFlush") as Record<string, unknown> | undefined;
  // Redis down: the last flush's remainder is the best figure there is.
  const dirtyKeys = dirty?.keys ?? Number(lastFlush?.["remainingDirty"] ?? 0);
  const oldestDirtyAgeSeconds = dirty ? dirty.oldestAgeSeconds : Number(lastFlush?.["oldestDirtyAgeSeconds"] ?? 0);

  const sinkView = (sink: SinkName, index: number) => {
    const data = (sinks?.get(sink) ?? {}) as Record<string, unknown>;
    return {
      enabled: options.enabled(sink),
      lastSuccessAt: iso(data["lastSuccessAt"]),
      lastErrorAt: iso(data["lastErrorAt"]),
      lastError: typeof data["lastError"] === "string" ? data["lastError"] : null,
      delivered: Number(data["delivered"] ?? 0),
      failed: Number(data["failed"] ?? 0),
      deadLetters: deadLetters[index] ?? 0,
    };
  };
  return {
    migrationPhase: options.phase,
    writeBehind: {
      dirtyKeys,
      oldestDirtyAgeSeconds,
      quarantined,
      lastFlush: lastFlush
        ? {
            at: iso(lastFlush["at"]),
            trigger: String(lastFlush["trigger"] ?? "schedule"),
            keys: Number(lastFlush["keys"] ?? 0),
            writes: Number(lastFlush["writes"] ?? 0),
            durationMs: Number(lastFlush["durationMs"] ?? 0),
            remainingDirty: Number(lastFlush["remainingDirty"] ?? 0),
          }
        : null,
    },
    sinks: { bigquery: sinkView("bigquery", 0), mongo: sinkView("mongo", 1), cosmos: sinkView("cosmos", 2) },
  };
}

async function recentDirty(cache: Pick<Redis, "pipeline">, nowMs: number, windowMs: number): Promise<{ keys: number; oldestAgeSeconds: number } | undefined> {
  const open = windowOf(nowMs, windowMs);
  const windows = Array.from({ length: RECENT_WINDOWS }, (_, i) => open - (RECENT_WINDOWS - 1) + i);
  try {
    const pipeline = cache.pipeline();
    for (const window of windows) pipeline.scard(dirtyKey(window));
    const counts = ((await pipeline.exec()) as unknown[]).map(Number);
    const oldest = windows.find((_, i) => (counts[i] ?? 0) > 0);
    return {
      keys: counts.reduce((sum, count) => sum + count, 0),
      oldestAgeSeconds: oldest === undefined ? 0 : Math.round((nowMs - windowStartMs(oldest, windowMs)) / 1000),
    };
  } catch {
    return undefined;
  }
}
