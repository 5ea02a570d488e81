/**
 * Dead letters: a change a sink's queue could not deliver in its attempts (sync/delivery-tasks.ts), or an event too
 * old to enqueue, waits in `_sync/deadLetters/items/{sink~eventId}` with its envelope and last error, `exhausted`,
 * for an operator's `replayDeadLetters` (or a reconcile). The queues do the retrying, so a letter holds no schedule:
 * no field is ordered on, and the envelope, the error and the time are left out of the indexes
 * (firestore.indexes.json), so that an outage's burst of letters writes no sequential index entries.
 */
import type { FirestoreKit } from "../adapters/firestore.js";
import type { ChangeEnvelope } from "./envelope.js";
import type { Sink, SinkName, SinkOutcome } from "./sinks/sink.js";

export const DEAD_LETTERS = "_sync/deadLetters/items";
/** Longest error message kept: enough to diagnose, never a whole response body. */
const MAX_ERROR_LENGTH = 500;

export const deadLetterId = (sink: SinkName, eventId: string) => `${sink}~${eventId}`;

export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, MAX_ERROR_LENGTH);
}

type Kit = FirestoreKit;

/** Records (or counts one more attempt of) a change a sink did not take; it waits for an operator's replay. */
export async function recordDeadLetter(kit: Kit, sink: SinkName, envelope: ChangeEnvelope, error: unknown, nowMs = Date.now()): Promise<void> {
  const ref = kit.db.doc(`${DEAD_LETTERS}/${deadLetterId(sink, envelope.eventId)}`);
  await ref.set(
    {
      sink,
      eventId: envelope.eventId,
      documentPath: envelope.documentPath,
      envelope,
      error: errorText(error),
      attempts: kit.sdk.FieldValue.increment(1),
      status: "exhausted",
      lastAttemptAt: kit.sdk.Timestamp.fromMillis(nowMs),
    },
    { merge: true },
  );
}

export interface ReplayOptions {
  sink?: SinkName;
  limit: number;
  nowMs?: number;
}

export interface ReplayResult {
  replayed: number;
  succeeded: number;
  failed: number;
}

/**
 * The operator's replay of dead letters, through the same `deliver` (the same version guard): success or a
 * stale skip removes the letter, a failure keeps it exhausted with the new error. A letter of a sink switched off
 * since waits for it.
 */
export async function replayDeadLetters(kit: Kit, sinks: Sink[], options: ReplayOptions): Promise<ReplayResult> {
  const nowMs = options.nowMs ?? Date.now();
  const letters = await (options.sink ? kit.db.collection(DEAD_LETTERS).where("sink", "==", options.sink) : kit.db.collection(DEAD_LETTERS)).limit(options.limit).get();
  const bySink = new Map(sinks.map((sink) => [sink.name, sink]));
  const result: ReplayResult = { replayed: 0, succeeded: 0, failed: 0 };
  for (const letter of letters.docs) {
    const sink = bySink.get(letter.get("sink") as SinkName);
    if (!sink) continue;
    const envelope = letter.get("envelope") as ChangeEnvelope;
    const outcome: SinkOutcome = await sink.deliver(envelope);
    result.replayed++;
    if ("failed" in outcome) {
      result.failed++;
      await recordDeadLetter(kit, sink.name, envelope, outcome.failed, nowMs);
    } else {
      result.succeeded++;
      await letter.ref.delete();
    }
  }
  return result;
}
