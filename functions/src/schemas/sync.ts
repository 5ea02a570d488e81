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
});

export const SyncStatusResponse = z.strictObject({
  migrationPhase: z.enum(["dual_write", "firestore_primary", "cosmos_retired"]),
  writeBehind: z.strictObject({
    dirtyKeys: z.number(),
    oldestDirtyAgeSeconds: z.number(),
    lastFlush: z
      .strictObject({ at: z.string().nullable(), trigger: z.string(), keys: z.number(), writes: z.number(), durationMs: z.number(), remainingDirty: z.number() })
      .nullable(),
  }),
  sinks: z.strictObject({ bigquery: SinkStatusView, mongo: SinkStatusView, cosmos: SinkStatusView }),
});
export type SyncStatusResponse = z.infer<typeof SyncStatusResponse>;
