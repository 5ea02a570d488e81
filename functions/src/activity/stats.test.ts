import { describe, expect, it } from "vitest";
import { toStudentStats } from "./stats.js";

describe("toStudentStats", () => {
  it("when the user has no stats yet, then every counter is zero and there is no active date", () => {
    expect(toStudentStats({})).toEqual({
      currentStreak: 0,
      longestStreak: 0,
      lastActiveDate: null,
      totalCompletedLectures: 0,
      totalActiveDays: 0,
    });
  });

  it("when the user document has stats, then they are returned as stored", () => {
    const user = { currentStreak: 3, longestStreak: 9, lastActiveDate: "2026-11-20", totalCompletedLectures: 12, totalActiveDays: 40 };
    expect(toStudentStats({ ...user, timezone: "Europe/Paris" })).toEqual(user);
  });
});
