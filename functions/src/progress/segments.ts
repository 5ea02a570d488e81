/** Played segments (xAPI video profile style): ranges of a lecture, in seconds, that a player has played. */

export type Segment = readonly [start: number, end: number];

/** Sorted, overlapping and touching ranges merged, empty ranges dropped: the canonical stored form. */
export function normalizeSegments(segments: Iterable<Segment>): Segment[] {
  const sorted = [...segments].filter(([start, end]) => end > start).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

export function unionSegments(...lists: Iterable<Segment>[]): Segment[] {
  return normalizeSegments(lists.flatMap((list) => [...list]));
}

/** Firestore cannot hold nested arrays: segments are stored flat, `[s0, e0, s1, e1, ...]`. */
export function toFlat(segments: readonly Segment[]): number[] {
  return segments.flatMap(([start, end]) => [start, end]);
}

export function fromFlat(flat: readonly number[] | undefined): Segment[] {
  const segments: Segment[] = [];
  for (let i = 0; flat && i + 1 < flat.length; i += 2) segments.push([flat[i] as number, flat[i + 1] as number]);
  return normalizeSegments(segments);
}

/** Fraction (0..1) of [0, duration] covered by the segments; 0 when the duration is unknown. */
export function coverageOf(segments: Iterable<Segment>, duration: number | undefined): number {
  if (!duration || duration <= 0) return 0;
  let covered = 0;
  for (const [start, end] of normalizeSegments(segments)) {
    covered += Math.max(0, Math.min(end, duration) - Math.max(start, 0));
  }
  return Math.min(1, covered / duration);
}

/** Course completion in percent, one decimal: completed lectures over the course's lectures. */
export function completionPercentage(completed: number, totalLectures: number): number {
  if (totalLectures <= 0) return 0;
  return Math.min(100, Math.round((completed / totalLectures) * 1000) / 10);
}

/** A course's completion (API.md): completed lectures and passed quizzes over its lectures and quizzes, in percent. */
export function courseCompletion(progress: { completedLectures: readonly string[]; passedQuizzes: readonly string[] }, totals: { lectures: number; quizzes: number }): number {
  return completionPercentage(progress.completedLectures.length + progress.passedQuizzes.length, totals.lectures + totals.quizzes);
}

/**
 * Segments a lecture keeps in its progress document. A player reports up to 100 per ping (MAX_SEGMENTS), and disjoint
 * ones accumulate; past this count the two closest are joined, the gap between them counted as played. Each join
 * overstates coverage by that gap, which is the smallest of at least this many gaps in [0, duration]: at most
 * duration / MAX_STORED_SEGMENTS (5% of the lecture). An honest player rarely has more than a handful.
 */
export const MAX_STORED_SEGMENTS = 20;

/** The segments, joined closest-first until at most `max` remain. */
export function capSegments(segments: readonly Segment[], max = MAX_STORED_SEGMENTS): Segment[] {
  const capped: [number, number][] = segments.map(([start, end]) => [start, end]);
  while (capped.length > max) {
    let closest = 1;
    for (let i = 2; i < capped.length; i++) {
      if ((capped[i] as Segment)[0] - (capped[i - 1] as Segment)[1] < (capped[closest] as Segment)[0] - (capped[closest - 1] as Segment)[1]) closest = i;
    }
    const [, end] = capped[closest] as Segment;
    (capped[closest - 1] as [number, number])[1] = end;
    capped.splice(closest, 1);
  }
  return capped;
}
