import { describe, expect, it } from "vitest";
import { toStudentStats } from "./student-stats.js";

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

  it("when the user was active yesterday, then the stats are returned as stored", () => {
    const user = { currentStreak: 3, longestStreak: 9, lastActiveDate: "2026-11-20", totalCompletedLectures: 12, totalActiveDays: 40 };
    expect(toStudentStats({ ...user, timezone: "Europe/Paris" }, Date.parse("2026-11-21T12:00:00Z"))).toEqual(user);
  });

  it("when the last active day is before yesterday in the user's zone, then the current streak reads 0", () => {
    const user = { currentStreak: 3, longestStreak: 9, lastActiveDate: "2026-11-20", totalCompletedLectures: 1, totalActiveDays: 4 };
    expect(toStudentStats(user, Date.parse("2026-11-22T12:00:00Z"))).toMatchObject({ currentStreak: 0, longestStreak: 9 });
    // 2026-11-22T07:00Z is still the 21st in Los Angeles: the streak is alive there.
    expect(toStudentStats({ ...user, timezone: "America/Los_Angeles" }, Date.parse("2026-11-22T07:00:00Z"))).toMatchObject({ currentStreak: 3 });
  });
});
