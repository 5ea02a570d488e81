/**
 * Per-sink counters and last success/error in the `_sync/sinks` document, one map per sink (`{bigquery: {...}}`),
 * so that a status read is one document. Counting in Firestore on every delivery would
 * add a write per change per sink to one hot document; each instance therefore sums in memory and adds its sums
 * at most every FLUSH_EVERY_MS (and when asked), so counts can lag by that much and are lost only with an
 * instance that dies in between — a status figure, not an audit.
 */
import type { FirestoreKit } from "../adapters/firestore.js";
import { errorText } from "./dead-letters.js";
import type { SinkName, SinkOutcome } from "./sinks/sink.js";

export const SINKS_STATUS = "_sync/sinks";
export const FLUSH_EVERY_MS = 10_000;

interface Pending {
  delivered: number;
  skipped: number;
  failed: number;
  lastSuccessAt?: number;
  lastErrorAt?: number;
  lastError?: string;
}

export class SinkStatus {
  private pending = new Map<SinkName, Pending>();
  private lastFlush = 0;

  record(sink: SinkName, outcome: SinkOutcome, nowMs = Date.now()): void {
    const entry = this.pending.get(sink) ?? { delivered: 0, skipped: 0, failed: 0 };
    if ("failed" in outcome) {
      entry.failed++;
      entry.lastErrorAt = nowMs;
      entry.lastError = errorText(outcome.failed);
    } else {
      if ("applied" in outcome) entry.delivered++;
      else entry.skipped++;
      entry.lastSuccessAt = nowMs;
    }
    this.pending.set(sink, entry);
  }

  /** Adds the sums to Firestore when FLUSH_EVERY_MS has passed since the last time (or when forced). */
  async flush(kit: FirestoreKit, force = false, nowMs = Date.now()): Promise<void> {
    if (!this.pending.size || (!force && nowMs - this.lastFlush < FLUSH_EVERY_MS)) return;
    const pending = this.pending;
    this.pending = new Map();
    this.lastFlush = nowMs;
    const { FieldValue, Timestamp } = kit.sdk;
    const update = Object.fromEntries(
      [...pending].map(([sink, entry]) => [
        sink,
        {
          delivered: FieldValue.increment(entry.delivered),
          skipped: FieldValue.increment(entry.skipped),
          failed: FieldValue.increment(entry.failed),
          ...(entry.lastSuccessAt ? { lastSuccessAt: Timestamp.fromMillis(entry.lastSuccessAt) } : {}),
          ...(entry.lastErrorAt ? { lastErrorAt: Timestamp.fromMillis(entry.lastErrorAt), lastError: entry.lastError } : {}),
        },
      ]),
    );
    await kit.db.doc(SINKS_STATUS).set(update, { merge: true });
  }
}
