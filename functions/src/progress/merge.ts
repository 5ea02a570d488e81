/**
 * How buffered pings combine with the stored progress document — used by the flush, the degraded ping path and
 * the merged read alike, so that all three agree. Pure.
 */
import { ownValue } from "../records.js";
import type { ProgressDoc } from "../schemas/progress.js";
import type { BufferedProgress } from "./layout.js";
import { capSegments, coverageOf, fromFlat, toFlat, unionSegments } from "./segments.js";

export interface Merged {
  doc: ProgressDoc;
  /** Lectures whose coverage reached the threshold and that are not completed yet. */
  newlyCompleted: string[];
  /** Buffered lectures left out because the catalogue does not have them. */
  dropped: string[];
  changed: boolean;
}

/**
 * Positions: the newer ping wins (by ping time, so a late flush never puts an older position over a degraded
 * direct write). Segments: union with what is stored, capped (capSegments). Coverage: recomputed where the duration
 * is known. With `catalogue`, a lecture it does not hold is left out entirely: a client cannot grow the document
 * with lectures it makes up (the bound is in docs/architecture.md).
 */
export function mergeBuffered(stored: ProgressDoc, buffered: BufferedProgress, completionThreshold: number, catalogue?: ReadonlySet<string>): Merged {
  const doc = structuredClone(stored);
  const newlyCompleted: string[] = [];
  const dropped: string[] = [];
  for (const [lectureId, lecture] of buffered.lectures) {
    if (catalogue && !catalogue.has(lectureId)) {
      dropped.push(lectureId);
      continue;
    }
    if (lecture.position !== undefined && lecture.positionAtMs !== undefined && lecture.positionAtMs > (ownValue(doc.positionAt, lectureId) ?? -Infinity)) {
      doc.watchTimes[lectureId] = lecture.position;
      doc.positionAt[lectureId] = lecture.positionAtMs;
    }
    if (lecture.duration !== undefined) doc.durations[lectureId] = lecture.duration;
    const segments = capSegments(unionSegments(fromFlat(ownValue(doc.segments, lectureId)), lecture.segments));
    if (segments.length) doc.segments[lectureId] = toFlat(segments);
    const duration = ownValue(doc.durations, lectureId);
    if (duration !== undefined) {
      const coverage = roundFraction(coverageOf(segments, duration));
      doc.coverage[lectureId] = coverage;
      if (coverage >= completionThreshold && !doc.completedLectures.includes(lectureId)) {
        newlyCompleted.push(lectureId);
      }
    }
  }
  const last = buffered.lastLecture;
  if (last && last.atMs > doc.lastWatchedAt && (!catalogue || catalogue.has(last.lectureId))) {
    doc.lastWatchedLecture = last.lectureId;
    doc.lastWatchedAt = last.atMs;
  }
  return { doc, newlyCompleted, dropped, changed: JSON.stringify(doc) !== JSON.stringify(stored) };
}

/** Coverage to 4 decimals: a ratio to show, not to accumulate. */
function roundFraction(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
