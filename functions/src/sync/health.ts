/**
 * One number for "is the sync healthy", 0..100, and the factors it comes from (docs/operations.md, "The health score").
 * Each factor is 1 when all is well and falls towards 0 as its figure grows; the score is the lowest factor, so the
 * worst part of the pipeline is what it shows, and the factors say which part that is. Pure.
 */
import type { CollectionStats } from "./collection-stats.js";
import { SINK_NAMES, type SinkName } from "./sinks/sink.js";

export interface HealthInput {
  oldestDirtyAgeSeconds: number;
  windowSeconds: number;
  quarantined: number;
  sinks: Record<SinkName, { enabled: boolean; queued: number; deadLetters: number }>;
  collections: CollectionStats | null;
}

export interface Health {
  score: number;
  factors: { writeBehind: number; quarantine: number } & Record<SinkName, number | null>;
}

/** Queued tasks at which a sink's backlog factor is one half: about a minute of a 10,000 changes/min burst to drain. */
export const BACKLOG_HALF = 10_000;
/** Dead letters at which a sink's dead-letter factor is one half: each is a change a person must look at. */
export const DEAD_LETTERS_HALF = 10;
/** Quarantined keys at which the quarantine factor is one half. */
export const QUARANTINE_HALF = 10;

const half = (figure: number, at: number) => 1 / (1 + Math.max(0, figure) / at);

export function healthOf(input: HealthInput): Health {
  // The buffer is normally up to two windows behind (the open one and the one being flushed); gone after 12.
  const lagWindows = input.oldestDirtyAgeSeconds / Math.max(1, input.windowSeconds);
  const writeBehind = Math.min(1, Math.max(0, 1 - (lagWindows - 2) / 10));
  const quarantine = half(input.quarantined, QUARANTINE_HALF);
  const sinkFactor = (sink: SinkName): number | null => {
    const figures = input.sinks[sink];
    if (!figures.enabled) return null;
    return half(figures.queued, BACKLOG_HALF) * half(figures.deadLetters, DEAD_LETTERS_HALF) * agreement(input.collections, sink);
  };
  const factors = { writeBehind, quarantine, ...(Object.fromEntries(SINK_NAMES.map((sink) => [sink, sinkFactor(sink)])) as Record<SinkName, number | null>) };
  const present = Object.values(factors).filter((factor): factor is number => factor !== null);
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    score: Math.round(100 * Math.min(...present)),
    factors: Object.fromEntries(Object.entries(factors).map(([name, factor]) => [name, factor === null ? null : round(factor)])) as Health["factors"],
  };
}

/** How closely the sink's counts match Firestore's, over the counted collections: the mean of smaller ÷ larger. */
function agreement(stats: CollectionStats | null, sink: SinkName): number {
  const ratios = Object.values(stats?.collections ?? {})
    .filter((counts) => counts[sink] !== undefined)
    .map((counts) => {
      const [a, b] = [counts.firestore, counts[sink] as number];
      return Math.max(a, b) === 0 ? 1 : Math.min(a, b) / Math.max(a, b);
    });
  return ratios.length ? ratios.reduce((sum, ratio) => sum + ratio, 0) / ratios.length : 1;
}
