/** What every sink is: a name and a delivery whose ordinary outcomes are values (STYLE rule 9). */
import type { ChangeEnvelope } from "../envelope.js";

export const SINK_NAMES = ["bigquery", "mongo", "cosmos"] as const;
export type SinkName = (typeof SINK_NAMES)[number];

export type SinkOutcome = { applied: true } | { skipped: "stale" | "unmapped" } | { failed: unknown };

export interface Sink {
  name: SinkName;
  deliver(envelope: ChangeEnvelope): Promise<SinkOutcome>;
}

/** Runs a delivery, turning anything it throws into a failed outcome. */
export async function outcomeOf(delivery: () => Promise<SinkOutcome>): Promise<SinkOutcome> {
  try {
    return await delivery();
  } catch (error) {
    return { failed: error };
  }
}
