/** Operations payloads of the sync capability (API.md "Operations"). */
import { z } from "zod";

export const SinkName = z.enum(["bigquery", "mongo", "cosmos"]);

export const ReplayDeadLettersRequest = z.strictObject({
  sink: SinkName.optional(),
  limit: z.number().int().min(1).max(1_000).optional(),
});
export type ReplayDeadLettersRequest = z.infer<typeof ReplayDeadLettersRequest>;
