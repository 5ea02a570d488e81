/**
 * The sync status (API.md getSyncStatus), in O(1): the write-behind's document and its latest flush run, the sinks'
 * counter shards, one count of dead letters per sink and one of quarantined keys, one DBSIZE per Upstash shard, and
 * the collection counts the daily sweep stored — never a scan of user data. The health score is computed from them.
 */
import type { Redis } from "@upstash/redis";
import type { FirestoreKit } from "../adapters/firestore.js";
import type { MigrationPhase } from "../config.js";
import { aggregateParts, type PartSummary } from "../progress/flush.js";
import { flushRunPath, WRITE_BEHIND_DOC } from "../progress/flush-tasks.js";
import { QUARANTINE_COLLECTION } from "../progress/store.js";
import { windowStartMs } from "../progress/window.js";
import type { SyncStatusResponse } from "../schemas/sync.js";
import { readCollectionStats } from "./collection-stats.js";
import { DEAD_LETTERS } from "./dead-letters.js";
import { healthOf } from "./health.js";
import { readSinkFigures } from "./sink-status.js";
import { SINK_NAMES, type SinkName } from "./sinks/sink.js";


export interface StatusOptions {
  phase: MigrationPhase;
  enabled(sink: SinkName): boolean;
  windowMs: number;
  nowMs?: number;
}

type TimestampLike = { toDate(): Date } | undefined;
const iso = (value: unknown) => ((value as TimestampLike)?.toDate ? (value as { toDate(): Date }).toDate().toISOString() : null);

export async function readSyncStatus(kit: FirestoreKit, shards: readonly Pick<Redis, "dbsize">[], options: StatusOptions): Promise<SyncStatusResponse> {
  const nowMs = options.nowMs ?? Date.now();
  const [writeBehind, sinks, deadLetters, buffered, quarantined, collections] = await Promise.all([
    kit.db.doc(WRITE_BEHIND_DOC).get(),
    readSinkFigures(kit),
    Promise.all(SINK_NAMES.map(async (sink) => (await kit.db.collection(DEAD_LETTERS).where("sink", "==", sink).count().get()).data().count)),
    bufferedKeys(shards),
    kit.db.collection(QUARANTINE_COLLECTION).count().get().then((counted) => counted.data().count),
    readCollectionStats(kit),
  ]);
  const lastFlush = writeBehind?.get("lastFlush") as Record<string, unknown> | undefined;
  const lastRunId = writeBehind?.get("lastRunId") as string | undefined;
  const run = lastRunId ? runView(lastRunId, (await kit.db.doc(flushRunPath(lastRunId)).get()).data(), nowMs, options.windowMs) : null;
  // Redis down: what the last run left behind is the best figure there is.
  const dirtyKeys = buffered ?? run?.failedKeys ?? Number(lastFlush?.["remainingDirty"] ?? 0);
  const oldestDirtyAgeSeconds = run?.oldestDirtyAgeSeconds ?? Number(lastFlush?.["oldestDirtyAgeSeconds"] ?? 0);

  const sinkView = (sink: SinkName, index: number) => {
    const figures = sinks[sink];
    return {
      enabled: options.enabled(sink),
      lastSuccessAt: figures.lastSuccessAt?.toISOString() ?? null,
      lastErrorAt: figures.lastErrorAt?.toISOString() ?? null,
      lastError: figures.lastError,
      delivered: figures.delivered,
      failed: figures.failed,
      deadLetters: deadLetters[index] ?? 0,
      queued: Math.max(0, figures.enqueued - figures.delivered - figures.skipped - figures.exhausted),
    };
  };
  const sinkViews = { bigquery: sinkView("bigquery", 0), mongo: sinkView("mongo", 1), cosmos: sinkView("cosmos", 2) };
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
      lastRun: run ? { runId: run.runId, partsTotal: run.partsTotal, partsDone: run.partsDone, keys: run.keys, writes: run.writes, failedKeys: run.failedKeys } : null,
    },
    sinks: sinkViews,
    collections: collections ? { countedAt: collections.countedAt, counts: collections.collections } : null,
    health: healthOf({ oldestDirtyAgeSeconds, windowSeconds: options.windowMs / 1000, quarantined, sinks: sinkViews, collections }),
  };
}

/**
 * Keys on every shard (DBSIZE, one command each): the buffer's keys, which exist only while they hold unflushed pings,
 * plus one cached lecture count per course and the parts' flush locks. Undefined when a shard cannot be reached.
 */
async function bufferedKeys(shards: readonly Pick<Redis, "dbsize">[]): Promise<number | undefined> {
  try {
    const counts = await Promise.all(shards.map((shard) => shard.dbsize()));
    return counts.reduce((sum, count) => sum + Number(count), 0);
  } catch {
    return undefined;
  }
}

/**
 * The latest scheduled run from its parts' reports. Until every part has reported, its window is still partly in the
 * buffer, so the lag is the window's age; afterwards, the age of the oldest window a failed key still holds.
 */
function runView(runId: string, data: Record<string, unknown> | undefined, nowMs: number, windowMs: number) {
  const parts = Object.values((data?.["parts"] ?? {}) as Record<string, PartSummary>);
  const partsTotal = Number(data?.["partsTotal"] ?? 0);
  const window = Number(data?.["window"] ?? 0);
  const run = aggregateParts(parts, { nowMs, windowMs, durationMs: 0 });
  const pending = parts.length < partsTotal;
  const oldestDirtyAgeSeconds = pending ? Math.max(0, Math.round((nowMs - windowStartMs(window, windowMs)) / 1000)) : run.oldestDirtyAgeSeconds;
  return { runId, partsTotal, partsDone: parts.length, keys: run.keys, writes: run.writes, failedKeys: run.failedKeys, oldestDirtyAgeSeconds };
}
