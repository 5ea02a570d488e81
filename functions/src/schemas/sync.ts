/** Operations payloads of the sync capability (API.md "Operations"). */
import { z } from "zod";

export const SinkName = z.enum(["bigquery", "mongo", "cosmos"]);

export const ReplayDeadLettersRequest = z.strictObject({
  sink: SinkName.optional(),
  limit: z.number().int().min(1).max(1_000).optional(),
});
export type ReplayDeadLettersRequest = z.infer<typeof ReplayDeadLettersRequest>;

export const GetSyncStatusRequest = z.strictObject({});

const SinkStatusView = z.strictObject({
  enabled: z.boolean(),
  lastSuccessAt: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  lastError: z.string().nullable(),
  delivered: z.number(),
  failed: z.number(),
  deadLetters: z.number(),
  /**
   * Tasks on the sink's queue: enqueued less delivered, skipped and exhausted, from the counters (each instance adds
   * its counts every 10 s, so it lags by that much).
   */
  queued: z.number(),
});

export const SyncStatusResponse = z.strictObject({
  migrationPhase: z.enum(["dual_write", "firestore_primary", "cosmos_retired"]),
  writeBehind: z.strictObject({
    dirtyKeys: z.number(),
    oldestDirtyAgeSeconds: z.number(),
    /** Keys the flush gave up on, waiting in the quarantine for replayQuarantine. */
    quarantined: z.number(),
    lastFlush: z
      .strictObject({ at: z.string().nullable(), trigger: z.string(), keys: z.number(), writes: z.number(), durationMs: z.number(), remainingDirty: z.number() })
      .nullable(),
    /** The latest scheduled flush run, from the reports of the parts done so far. */
    lastRun: z
      .strictObject({ runId: z.string(), partsTotal: z.number(), partsDone: z.number(), keys: z.number(), writes: z.number(), failedKeys: z.number() })
      .nullable(),
  }),
  sinks: z.strictObject({ bigquery: SinkStatusView, mongo: SinkStatusView, cosmos: SinkStatusView }),
  /** Live documents per mirrored collection in Firestore and each enabled sink, as the last daily sweep counted them. */
  collections: z
    .strictObject({
      countedAt: z.string(),
      counts: z.record(z.string(), z.strictObject({ firestore: z.number(), bigquery: z.number().optional(), mongo: z.number().optional(), cosmos: z.number().optional() })),
    })
    .nullable(),
  /** 0..100: the lowest of the factors (sync/health.ts; docs/operations.md "The health score"). */
  health: z.strictObject({
    score: z.number(),
    factors: z.strictObject({ writeBehind: z.number(), quarantine: z.number(), bigquery: z.number().nullable(), mongo: z.number().nullable(), cosmos: z.number().nullable() }),
  }),
});
export type SyncStatusResponse = z.infer<typeof SyncStatusResponse>;

/** The collections the change triggers mirror (sync/functions.ts MIRRORED_DOCUMENTS). */
export const MirroredCollection = z.enum(["users", "progress", "activityDays", "competencies", "activities", "answers", "quizProgress", "reviews"]);
export type MirroredCollection = z.infer<typeof MirroredCollection>;

export const ReconcileRequest = z.strictObject({
  collection: MirroredCollection,
  sink: SinkName,
  repair: z.boolean().optional(),
  /** Documents checked at most; a callable has 9 minutes, and the CLI has no such limit. */
  limit: z.number().int().min(1).max(50_000).optional(),
});
export type ReconcileRequest = z.infer<typeof ReconcileRequest>;

export const ReconcileResponse = z.strictObject({
  checked: z.number(),
  missing: z.number(),
  stale: z.number(),
  extra: z.number(),
  repaired: z.number(),
});
export type ReconcileResponse = z.infer<typeof ReconcileResponse>;

/** A reconciliation run as stored in `_sync/reconcile/runs/{runId}` and logged (`sync.reconcile_done`). */
export const ReconcileReport = ReconcileResponse.extend({
  runId: z.string(),
  collection: MirroredCollection,
  sink: SinkName,
  repair: z.boolean(),
  /** A sampled run (the daily job) rather than a full or limited one. */
  sampled: z.boolean(),
  /** Same version as Firestore but other content; counted in `stale` too. */
  changed: z.number(),
  /** Repairs that failed (an outage, a refusal); the next run finds them again. */
  repairFailed: z.number(),
  /** Repairs the sink skipped because it already held a newer version (written meanwhile): not failures. */
  repairSkipped: z.number(),
  /** Where a run cut short by its limit stopped (the last document path it read), or null when it reached the end. */
  stoppedAt: z.string().nullable(),
  startedAt: z.string(),
  durationMs: z.number(),
  /** A few document paths of each kind, to look at. */
  examples: z.strictObject({ missing: z.array(z.string()), stale: z.array(z.string()), changed: z.array(z.string()), extra: z.array(z.string()) }),
});
export type ReconcileReport = z.infer<typeof ReconcileReport>;
