/**
 * Dead letters: a delivery a sink could not take waits in `_sync/deadLetters/items/{sink~eventId}` with its
 * envelope, error and attempt count; replays retry with exponential backoff and stop after MAX_ATTEMPTS, keeping
 * the letter (status "exhausted") for inspection.
 */
import type { FirestoreKit } from "../adapters/firestore.js";
import type { ChangeEnvelope } from "./envelope.js";
import type { Sink, SinkName, SinkOutcome } from "./sinks/sink.js";

export const DEAD_LETTERS = "_sync/deadLetters/items";
/** Attempts (the first delivery included) after which a letter is kept but no longer retried. */
export const MAX_ATTEMPTS = 10;
/** Backoff: 1 minute, doubling per attempt, at most 6 hours (10 attempts span about 8.5 hours). */
export const FIRST_BACKOFF_MS = 60_000;
export const MAX_BACKOFF_MS = 6 * 3_600_000;
/** Longest error message kept: enough to diagnose, never a whole response body. */
const MAX_ERROR_LENGTH = 500;

export const deadLetterId = (sink: SinkName, eventId: string) => `${sink}~${eventId}`;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
}

export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, MAX_ERROR_LENGTH);
}

type Kit = FirestoreKit;

/**
 * Records (or counts one more attempt of) a failed delivery. `exhausted`: no retry is left for it (the queue's last
 * attempt, or an event too old to deliver): it waits for an operator's replay or a reconcile.
 */
export async function recordDeadLetter(kit: Kit, sink: SinkName, envelope: ChangeEnvelope, error: unknown, nowMs = Date.now(), options: { exhausted?: boolean } = {}): Promise<void> {
  const ref = kit.db.doc(`${DEAD_LETTERS}/${deadLetterId(sink, envelope.eventId)}`);
  await kit.db.runTransaction(async (tx) => {
    const attempts = Number((await tx.get(ref)).get("attempts") ?? 0) + 1;
    tx.set(ref, {
      sink,
      eventId: envelope.eventId,
      documentPath: envelope.documentPath,
      envelope,
      error: errorText(error),
      attempts,
      status: options.exhausted || attempts >= MAX_ATTEMPTS ? "exhausted" : "pending",
      nextRetryAt: kit.sdk.Timestamp.fromMillis(nowMs + backoffMs(attempts)),
      lastAttemptAt: kit.sdk.Timestamp.fromMillis(nowMs),
    });
  });
}

export interface ReplayOptions {
  sink?: SinkName;
  limit: number;
  /** Retry letters whose backoff has not elapsed yet too (an operator's explicit replay). */
  force?: boolean;
  nowMs?: number;
}

export interface ReplayResult {
  replayed: number;
  succeeded: number;
  failed: number;
}

/** Delivers pending letters again: success or a stale skip removes the letter, failure backs it off. */
export async function replayDeadLetters(kit: Kit, sinks: Sink[], options: ReplayOptions): Promise<ReplayResult> {
  const nowMs = options.nowMs ?? Date.now();
  let query = kit.db.collection(DEAD_LETTERS).where("status", "==", "pending");
  if (options.sink) query = query.where("sink", "==", options.sink);
  if (!options.force) query = query.where("nextRetryAt", "<=", kit.sdk.Timestamp.fromMillis(nowMs));
  const letters = await query.orderBy("nextRetryAt").limit(options.limit).get();
  const bySink = new Map(sinks.map((sink) => [sink.name, sink]));
  const result: ReplayResult = { replayed: 0, succeeded: 0, failed: 0 };
  for (const letter of letters.docs) {
    const sink = bySink.get(letter.get("sink") as SinkName);
    if (!sink) continue; // that sink is disabled now: leave the letter for when it returns
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
