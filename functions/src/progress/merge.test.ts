import { describe, expect, it } from "vitest";
import { ProgressDoc } from "../schemas/progress.js";
import { decodeProgressHash, pingFields } from "./layout.js";
import { mergeBuffered } from "./merge.js";
import { fromFlat, toFlat } from "./segments.js";
import { MAX_STORED_SEGMENTS } from "./segments.js";

const empty = ProgressDoc.parse({});
const buffered = (...pings: Parameters<typeof pingFields>[]) =>
  decodeProgressHash(Object.assign({}, ...pings.map((args) => pingFields(...args))));

describe("mergeBuffered", () => {
  it("when nothing is stored, then positions, durations, segments, coverage and the last lecture come from the buffer", () => {
    const { doc, newlyCompleted, changed } = mergeBuffered(
      empty,
      buffered([1, { lectureId: "l1", position: 60, duration: 120, playedSegments: [[0, 60]], atMs: 10 }]),
      0.9,
    );
    expect(doc).toMatchObject({
      watchTimes: { l1: 60 },
      positionAt: { l1: 10 },
      durations: { l1: 120 },
      segments: { l1: [0, 60] },
      coverage: { l1: 0.5 },
      lastWatchedLecture: "l1",
      lastWatchedAt: 10,
    });
    expect(newlyCompleted).toEqual([]);
    expect(changed).toBe(true);
  });

  it("when the stored position is newer than the buffered one, then the stored position stays", () => {
    const stored = ProgressDoc.parse({ watchTimes: { l1: 99 }, positionAt: { l1: 500 } });
    const { doc } = mergeBuffered(stored, buffered([1, { lectureId: "l1", position: 5, atMs: 400 }]), 0.9);
    expect(doc.watchTimes["l1"]).toBe(99);
  });

  it("when stored and buffered segments overlap, then they are unioned and coverage passes the threshold once", () => {
    const stored = ProgressDoc.parse({ durations: { l1: 100 }, segments: { l1: [0, 50] } });
    const { doc, newlyCompleted } = mergeBuffered(stored, buffered([1, { lectureId: "l1", position: 95, playedSegments: [[40, 95]], atMs: 1 }]), 0.9);
    expect(doc.segments["l1"]).toEqual([0, 95]);
    expect(doc.coverage["l1"]).toBe(0.95);
    expect(newlyCompleted).toEqual(["l1"]);

    const again = mergeBuffered({ ...doc, completedLectures: ["l1"] }, buffered([2, { lectureId: "l1", position: 96, atMs: 2 }]), 0.9);
    expect(again.newlyCompleted).toEqual([]);
  });

  it("when lecture ids are names every object inherits, then they merge like any other id", () => {
    // A valid Id can be "valueOf": a plain lookup of a missing key found Object.prototype.valueOf (coverage NaN).
    for (const lectureId of ["valueOf", "constructor", "toString", "hasOwnProperty"]) {
      const { doc, newlyCompleted } = mergeBuffered(
        empty,
        buffered([1, { lectureId, position: 95, duration: 100, playedSegments: [[0, 95]], atMs: 10 }]),
        0.9,
      );
      expect(ProgressDoc.parse(doc)).toMatchObject({
        watchTimes: { [lectureId]: 95 },
        segments: { [lectureId]: [0, 95] },
        coverage: { [lectureId]: 0.95 },
      });
      expect(newlyCompleted).toEqual([lectureId]);
      const withoutDuration = mergeBuffered(empty, buffered([1, { lectureId, position: 5, playedSegments: [[0, 5]], atMs: 10 }]), 0.9).doc;
      expect(Object.hasOwn(withoutDuration.coverage, lectureId)).toBe(false);
    }
  });

  it("when the buffer holds nothing new, then the document is unchanged", () => {
    const first = mergeBuffered(empty, buffered([1, { lectureId: "l1", position: 3, playedSegments: [[0, 3]], atMs: 7 }]), 0.9).doc;
    expect(mergeBuffered(first, buffered([1, { lectureId: "l1", position: 3, playedSegments: [[0, 3]], atMs: 7 }]), 0.9).changed).toBe(false);
  });

  it("when segments are flattened for Firestore and read back, then they are the same ranges", () => {
    expect(fromFlat(toFlat([[0, 5], [9, 12]]))).toEqual([[0, 5], [9, 12]]);
    expect(fromFlat(undefined)).toEqual([]);
  });

  it("when a catalogue is given, then lectures it lacks are left out entirely and listed as dropped", () => {
    const merged = mergeBuffered(
      empty,
      buffered(
        [1, { lectureId: "l1", position: 10, duration: 100, playedSegments: [[0, 10]], atMs: 1 }],
        [1, { lectureId: "made-up", position: 95, duration: 100, playedSegments: [[0, 95]], atMs: 2 }],
      ),
      0.9,
      new Set(["l1"]),
    );

    expect(merged.dropped).toEqual(["made-up"]);
    expect(merged.newlyCompleted).toEqual([]);
    expect(Object.keys(merged.doc.watchTimes)).toEqual(["l1"]);
    expect(Object.keys({ ...merged.doc.segments, ...merged.doc.durations, ...merged.doc.coverage, ...merged.doc.positionAt })).toEqual(["l1"]);
    expect(merged.doc.lastWatchedLecture).toBeNull();
  });

  it("when stored and buffered segments add up past the cap, then the stored lecture keeps at most MAX_STORED_SEGMENTS", () => {
    const many = Array.from({ length: 100 }, (_, i) => [i * 6, i * 6 + 1] as [number, number]);
    const merged = mergeBuffered(empty, buffered([1, { lectureId: "l1", position: 1, duration: 600, playedSegments: many, atMs: 1 }]), 0.9);

    expect(fromFlat(merged.doc.segments["l1"])).toHaveLength(MAX_STORED_SEGMENTS);
  });
});
