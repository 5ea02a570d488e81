/**
 * Hands one change to every enabled sink in parallel. Sinks fail independently: a failure becomes a dead letter
 * and never stops the other sinks (nor fails the trigger, whose retries would redeliver to every sink).
 */
import type { FirestoreKit } from "../adapters/firestore.js";
import * as logs from "../logs.js";
import { recordDeadLetter } from "./dead-letters.js";
import type { ChangeEnvelope } from "./envelope.js";
import type { SinkStatus } from "./sink-status.js";
import type { Sink, SinkName, SinkOutcome } from "./sinks/sink.js";

export async function dispatch(
  kit: FirestoreKit,
  envelope: ChangeEnvelope,
  sinks: Sink[],
  status: SinkStatus,
): Promise<Partial<Record<SinkName, SinkOutcome>>> {
  const outcomes = await Promise.all(
    sinks.map(async (sink) => {
      const outcome = await sink.deliver(envelope);
      status.record(sink.name, outcome);
      if ("failed" in outcome) {
        logs.sinkFailed({ sink: sink.name, collection: envelope.collection, eventId: envelope.eventId, error: outcome.failed });
        await recordDeadLetter(kit, sink.name, envelope, outcome.failed).catch((error: unknown) =>
          logs.deadLetterLost({ sink: sink.name, eventId: envelope.eventId, error }),
        );
      }
      return [sink.name, outcome] as const;
    }),
  );
  return Object.fromEntries(outcomes);
}
