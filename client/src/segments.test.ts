import { describe, expect, it } from "vitest";
import { addSegment, MAX_SEGMENTS, type Segment } from "./segments.js";

describe("addSegment", () => {
  it("when ranges overlap or touch, then they merge into one", () => {
    let segments: Segment[] = [];
    segments = addSegment(segments, 10, 20);
    segments = addSegment(segments, 30, 40);
    segments = addSegment(segments, 20, 30);
    expect(segments).toEqual([[10, 40]]);
  });

  it("when a range runs past the limit or is empty, then it is clamped or ignored", () => {
    expect(addSegment([], 90, 120, 100)).toEqual([[90, 100]]);
    expect(addSegment([[0, 5]], 7, 7)).toEqual([[0, 5]]);
    expect(addSegment([], -3, 2)).toEqual([[0, 2]]);
  });

  it("when there are more than the API allows, then the shortest other range is dropped", () => {
    let segments: Segment[] = [];
    for (let i = 0; i < MAX_SEGMENTS; i++) segments = addSegment(segments, i * 10, i * 10 + (i === 50 ? 1 : 2));
    segments = addSegment(segments, 2_000, 2_001);
    expect(segments).toHaveLength(MAX_SEGMENTS);
    expect(segments).not.toContainEqual([500, 501]);
    expect(segments.at(-1)).toEqual([2_000, 2_001]);
  });
});
