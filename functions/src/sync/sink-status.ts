/**
 * Per-sink counters and last success/error, as sharded counters (the firestore-counter extension's pattern): each
 * instance sums in memory and adds its sums at most every FLUSH_EVERY_MS (and when asked) to one of
 * SINK_STATUS_SHARDS documents `_sync/sinks/shards/{n}`, one map per sink (`{bigquery: {...}}`), picked at random; a
 * status read is one getAll of the shards, summed. So no document takes more than its share of the updates: every
 * trigger instance adding to one document every 10 s made it hot (about 1 write/s per document is Firestore's
 * sustained guidance). Counts can lag by FLUSH_EVERY_MS and are lost only with an instance that dies in between — a
 * status figure, not an audit.
 */
import type { FirestoreKit } from "../adapters/firestore.js";
import { errorText } from "./dead-letters.js";
import { SINK_NAMES, type SinkName, type SinkOutcome } from "./sinks/sink.js";

export const SINK_STATUS_SHARDS_PATH = "_sync/sinks/shards";
/** Shards of the counters: 100 instances flushing every 10 s put 1 write/s on each. */
export const SINK_STATUS_SHARDS = 10;
export const FLUSH_EVERY_MS = 10_000;

/** One sink's figures, summed over the shards; the last success and error are the latest of any shard. */
export interface SinkFigures {
  /** Tasks put on the sink's queue by the mirror triggers (a retried trigger's repeat not counted). */
  enqueued: number;
  delivered: number;
  skipped: number;
  /** Failed attempts (each is retried by the queue until its last). */
  failed: number;
  /** Tasks whose last attempt failed: each left an exhausted dead letter. */
  exhausted: number;
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastError: string | null;
}

type Count = "enqueued" | "delivered" | "skipped" | "failed" | "exhausted";
const COUNTS: readonly Count[] = ["enqueued", "delivered", "skipped", "failed", "exhausted"];

interface Pending extends Record<Count, number> {
  lastSuccessAt?: number;
  lastErrorAt?: number;
  lastError?: string;
}

export class SinkStatus {
  private pending = new Map<SinkName, Pending>();
  private lastFlush = 0;

  record(sink: SinkName, outcome: SinkOutcome, nowMs = Date.now()): void {
    const entry = this.entry(sink);
    if ("failed" in outcome) {
      entry.failed++;
      entry.lastErrorAt = nowMs;
      entry.lastError = errorText(outcome.failed);
    } else {
      if ("applied" in outcome) entry.delivered++;
      else entry.skipped++;
      entry.lastSuccessAt = nowMs;
    }
  }

  enqueued(sink: SinkName): void {
    this.entry(sink).enqueued++;
  }

  exhausted(sink: SinkName): void {
    this.entry(sink).exhausted++;
  }

  private entry(sink: SinkName): Pending {
    let entry = this.pending.get(sink);
    if (!entry) this.pending.set(sink, (entry = { enqueued: 0, delivered: 0, skipped: 0, failed: 0, exhausted: 0 }));
    return entry;
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
          ...Object.fromEntries(COUNTS.filter((count) => entry[count]).map((count) => [count, FieldValue.increment(entry[count])])),
          ...(entry.lastSuccessAt ? { lastSuccessAt: Timestamp.fromMillis(entry.lastSuccessAt) } : {}),
          ...(entry.lastErrorAt ? { lastErrorAt: Timestamp.fromMillis(entry.lastErrorAt), lastError: entry.lastError } : {}),
        },
      ]),
    );
    const shard = Math.floor(Math.random() * SINK_STATUS_SHARDS);
    await kit.db.doc(`${SINK_STATUS_SHARDS_PATH}/${shard}`).set(update, { merge: true });
  }
}

type TimestampLike = { toDate(): Date } | undefined;
const dateOf = (value: unknown) => ((value as TimestampLike)?.toDate ? (value as { toDate(): Date }).toDate() : null);
const later = (a: Date | null, b: Date | null) => (a && (!b || a > b) ? a : b);

/** Every sink's figures: one getAll of the shards. */
export async function readSinkFigures(kit: FirestoreKit): Promise<Record<SinkName, SinkFigures>> {
  const shards = await kit.db.getAll(...Array.from({ length: SINK_STATUS_SHARDS }, (_, n) => kit.db.doc(`${SINK_STATUS_SHARDS_PATH}/${n}`)));
  const figures = {} as Record<SinkName, SinkFigures>;
  for (const sink of SINK_NAMES) {
    const total: SinkFigures = { enqueued: 0, delivered: 0, skipped: 0, failed: 0, exhausted: 0, lastSuccessAt: null, lastErrorAt: null, lastError: null };
    for (const shard of shards) {
      const data = (shard.get(sink) ?? {}) as Record<string, unknown>;
      for (const count of COUNTS) total[count] += Number(data[count] ?? 0);
      total.lastSuccessAt = later(dateOf(data["lastSuccessAt"]), total.lastSuccessAt);
      const errorAt = dateOf(data["lastErrorAt"]);
      if (errorAt && (!total.lastErrorAt || errorAt > total.lastErrorAt)) {
        total.lastErrorAt = errorAt;
        total.lastError = typeof data["lastError"] === "string" ? data["lastError"] : null;
      }
    }
    figures[sink] = total;
  }
  return figures;
}
