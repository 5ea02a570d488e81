import { describe, expect, it } from "vitest";
import { capSegments, completionPercentage, coverageOf, MAX_STORED_SEGMENTS, normalizeSegments, unionSegments, type Segment } from "./segments.js";

describe("played segments", () => {
  it("when ranges overlap, touch or arrive unsorted, then they merge into sorted disjoint ranges", () => {
    expect(normalizeSegments([[30, 40], [0, 10], [10, 20], [15, 25], [50, 50]])).toEqual([[0, 25], [30, 40]]);
  });

  it("when two lists are unioned, then no played second is lost and none is counted twice", () => {
    expect(unionSegments([[0, 30]], [[20, 60], [90, 100]], [])).toEqual([[0, 60], [90, 100]]);
  });

  it("when segments cover part of the lecture, then coverage is the covered fraction of the duration", () => {
    expect(coverageOf([[0, 30], [60, 90]], 120)).toBe(0.5);
  });

  it("when segments overlap or run past the end, then coverage counts each second once and caps at 1", () => {
    expect(coverageOf([[0, 80], [40, 100], [90, 200]], 120)).toBe(1);
    expect(coverageOf([[0, 60], [0, 60]], 120)).toBe(0.5);
  });

  it("when the duration is unknown or zero, then coverage is 0", () => {
    expect(coverageOf([[0, 60]], undefined)).toBe(0);
    expect(coverageOf([[0, 60]], 0)).toBe(0);
  });
});

describe("completionPercentage", () => {
  it("when 1 of 3 lectures is completed, then it is 33.3", () => {
    expect(completionPercentage(1, 3)).toBe(33.3);
  });

  it("when the course has no lectures, then it is 0; when more are completed than exist, then it caps at 100", () => {
    expect(completionPercentage(2, 0)).toBe(0);
    expect(completionPercentage(6, 5)).toBe(100);
  });
});

describe("stored segments are capped", () => {
  /** n disjoint one-second segments spread over [0, duration], with gaps that differ. */
  const spread = (n: number, duration: number): Segment[] =>
    Array.from({ length: n }, (_, i) => [Math.floor((i * duration) / n), Math.floor((i * duration) / n) + 1] as const);

  it("when a lecture holds more segments than the cap, then the closest are joined until the cap is met", () => {
    expect(capSegments([[0, 1], [10, 11], [12, 13], [30, 31]], 3)).toEqual([[0, 1], [10, 13], [30, 31]]);
    expect(capSegments(spread(100, 600))).toHaveLength(MAX_STORED_SEGMENTS);
  });

  it("when segments are capped, then every played second is still covered and each join adds at most duration / cap", () => {
    const duration = 600;
    for (const n of [21, 50, 100, 400]) {
      const segments = spread(n, duration);
      const capped = capSegments(segments);
      const joins = n - capped.length;

      expect(unionSegments(capped, segments)).toEqual(capped);
      const overstated = (coverageOf(capped, duration) - coverageOf(segments, duration)) * duration;
      expect(overstated).toBeLessThanOrEqual((joins * duration) / MAX_STORED_SEGMENTS);
    }
  });

  it("when a lecture holds no more than the cap, then its segments are kept as they are", () => {
    const segments = spread(MAX_STORED_SEGMENTS, 600);
    expect(capSegments(segments)).toEqual(segments);
  });
});
