/** Played segments of a lecture: sorted, disjoint `[start, end]` ranges in seconds, as `saveProgress` takes them. */
import type { SaveProgressRequest } from "./api.js";

export type Segment = NonNullable<SaveProgressRequest["playedSegments"]>[number];

/** API.md: at most 100 ranges per ping (functions/src/schemas/progress.ts MAX_SEGMENTS). */
export const MAX_SEGMENTS = 100;
/** API.md: positions and durations are at most one day, in seconds. */
export const MAX_SECONDS = 86_400;

/** `value` within `[0, limit]`; `limit` is the lecture's duration when known, else the API's one day. */
export function clampSeconds(value: number, limit = MAX_SECONDS): number {
  return Math.min(Math.max(value, 0), Math.min(limit, MAX_SECONDS));
}

/**
 * Adds `[start, end]` to sorted, disjoint `segments`, merging ranges that overlap or touch, clamped to `limit`.
 * Past MAX_SEGMENTS the shortest range other than the new one is dropped: that understates what the payload
 * says, never overstates it, and the server keeps the union of every range it has already acknowledged.
 */
export function addSegment(segments: readonly Segment[], start: number, end: number, limit = MAX_SECONDS): Segment[] {
  const from = clampSeconds(start, limit);
  const to = clampSeconds(end, limit);
  if (!(from < to)) return [...segments];
  let merged: Segment = [from, to];
  const result: Segment[] = [];
  for (const segment of segments) {
    if (segment[1] < merged[0] || segment[0] > merged[1]) result.push(segment);
    else merged = [Math.min(segment[0], merged[0]), Math.max(segment[1], merged[1])];
  }
  result.push(merged);
  result.sort((a, b) => a[0] - b[0]);
  while (result.length > MAX_SEGMENTS) {
    let shortest = -1;
    result.forEach((segment, index) => {
      if (segment === merged) return;
      if (shortest < 0 || length(segment) < length(result[shortest] as Segment)) shortest = index;
    });
    result.splice(shortest, 1);
  }
  return result;
}

/** `segments` cut to `limit` (a duration learned after they were played), dropping what falls outside. */
export function clampSegments(segments: readonly Segment[], limit: number): Segment[] {
  return segments.flatMap(([start, end]): Segment[] => {
    const to = clampSeconds(end, limit);
    return start < to ? [[start, to]] : [];
  });
}

function length([start, end]: Segment): number {
  return end - start;
}
