import { describe, expect, it } from "vitest";
import type { ProgressDoc } from "../../functions/src/schemas/progress.js";
import { liveProgress, PENDING_TTL_MS, type AcknowledgedPing } from "./live.js";

const NOW = Date.parse("2026-12-05T12:00:00Z");

const stored = (overrides: Partial<ProgressDoc> = {}): ProgressDoc => ({
  watchTimes: {},
  positionAt: {},
  durations: {},
  segments: {},
  coverage: {},
  completedLectures: [],
  passedQuizzes: [],
  lastWatchedLecture: null,
  lastWatchedAt: 0,
  completionPercentage: 0,
  ...overrides,
});

const ping = (overrides: Partial<AcknowledgedPing> = {}): AcknowledgedPing => ({ courseId: "c", lectureId: "l1", position: 30, duration: 100, playedSegments: [[0, 30]], ackedAtMs: NOW - 1_000, ...overrides });

describe("liveProgress", () => {
  it("when a ping is acknowledged and nothing is stored yet, then its position and coverage show", () => {
    expect(liveProgress(null, [ping()], NOW).lectures["l1"]).toEqual({ position: 30, coverage: 0.3, completed: false });
  });

  it("when the stored ranges and the ping's overlap, then coverage is their union, never less than the stored", () => {
    const doc = stored({ watchTimes: { l1: 50 }, positionAt: { l1: NOW - 60_000 }, durations: { l1: 100 }, segments: { l1: [20, 50] }, coverage: { l1: 0.3 } });

    expect(liveProgress(doc, [ping({ position: 10, playedSegments: [[0, 10]] })], NOW).lectures["l1"]).toEqual({ position: 10, coverage: 0.4, completed: false });
    expect(liveProgress(doc, [ping({ playedSegments: [] })], NOW).lectures["l1"]?.coverage).toBe(0.3);
  });

  it("when the stored document holds the ping's position, then the ping is no longer pending", () => {
    const doc = stored({ watchTimes: { l1: 30 }, positionAt: { l1: NOW - 1_500 }, durations: { l1: 100 }, segments: { l1: [0, 30] }, coverage: { l1: 0.3 } });

    const live = liveProgress(doc, [ping()], NOW);

    expect(live.pending).toEqual([]);
    expect(live.lectures["l1"]).toEqual({ position: 30, coverage: 0.3, completed: false });
  });

  it("when a later ping from another device is stored, then the older acknowledged ping gives way", () => {
    const doc = stored({ watchTimes: { l1: 80 }, positionAt: { l1: NOW - 500 }, durations: { l1: 100 }, segments: { l1: [0, 80] }, coverage: { l1: 0.8 } });

    expect(liveProgress(doc, [ping()], NOW)).toMatchObject({ pending: [], lectures: { l1: { position: 80, coverage: 0.8 } } });
  });

  it("when a ping was never stored, then it stops standing in after PENDING_TTL_MS", () => {
    expect(liveProgress(null, [ping({ ackedAtMs: NOW - PENDING_TTL_MS })], NOW)).toMatchObject({ pending: [], lectures: {} });
  });

  it("when a lecture is completed in the stored document, then it shows completed with the course's percentage", () => {
    const live = liveProgress(stored({ completedLectures: ["l2"], completionPercentage: 50 }), [], NOW);

    expect(live).toMatchObject({ completionPercentage: 50, lectures: { l2: { completed: true, coverage: 1 } } });
  });
});
