/** What every sink is: a name and a delivery whose ordinary outcomes are values (STYLE rule 9). */
import type { ChangeEnvelope } from "../envelope.js";

export const SINK_NAMES = ["bigquery", "mongo", "cosmos"] as const;
export type SinkName = (typeof SINK_NAMES)[number];

/** `erased`: the change is an erased learner's, and no sink may take it (rights/erased.ts). */
export type SinkOutcome = { applied: true } | { skipped: "stale" | "unmapped" | "erased" } | { failed: unknown };

/** How a delivery is applied. */
export interface DeliverOptions {
  /**
   * A reconciliation repair: the sink's copy is known to differ, possibly at the same version (a change lost or
   * corrupted after it was applied), so an equal stored version is overwritten too — the guards skip only newer ones.
   * @default false
   */
  repair?: boolean;
}

export interface Sink {
  name: SinkName;
  deliver(envelope: ChangeEnvelope, options?: DeliverOptions): Promise<SinkOutcome>;
}

/**
 * How long one delivery may take. The BigQuery client never times out on its own (its timeout option does not reach
 * node-fetch 3) and Cosmos retries reads for a long time when an endpoint hangs; the trigger's budget is 60 s.
 */
export const DELIVERY_DEADLINE_MS = 20_000;

export class DeliveryTimeoutError extends Error {
  override name = "DeliveryTimeoutError";
}

/** Runs a delivery within the deadline, turning anything it throws into a failed outcome. */
export async function outcomeOf(delivery: () => Promise<SinkOutcome>, deadlineMs = DELIVERY_DEADLINE_MS): Promise<SinkOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeliveryTimeoutError(`no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([delivery(), deadline]);
  } catch (error) {
    return { failed: error };
  } finally {
    clearTimeout(timer);
  }
}
