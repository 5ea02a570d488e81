import { describe, expect, it } from "vitest";
import { addDays, liveStreak, localDate, streakAfterLateDay, withActiveDay, type StreakState } from "./days.js";

const fresh: StreakState = { currentStreak: 0, longestStreak: 0, lastActiveDate: null, totalActiveDays: 0 };

describe("local days", () => {
  it("when an instant is late evening in Los Angeles, then it is already the next day in Auckland", () => {
    const instant = Date.parse("2026-03-10T05:30:00Z");
    expect(localDate(instant, "America/Los_Angeles")).toBe("2026-03-09");
    expect(localDate(instant, "Pacific/Auckland")).toBe("2026-03-10");
    expect(localDate(instant, "UTC")).toBe("2026-03-10");
  });

  it("when the time zone is unknown, then UTC is used", () => {
    expect(localDate(Date.parse("2026-01-01T23:00:00Z"), "Mars/Olympus")).toBe("2026-01-01");
  });

  it("when days are added across a month and a leap day, then the calendar is respected", () => {
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });
});

describe("withActiveDay", () => {
  it("when three consecutive days are active, then the streak is 3", () => {
    const state = ["2026-11-01", "2026-11-02", "2026-11-03"].reduce((s, d) => withActiveDay(s, d, true), fresh);
    expect(state).toEqual({ currentStreak: 3, longestStreak: 3, lastActiveDate: "2026-11-03", totalActiveDays: 3 });
  });

  it("when a day is skipped, then the streak restarts at 1 and the longest is kept", () => {
    const state = ["2026-11-01", "2026-11-02", "2026-11-04"].reduce((s, d) => withActiveDay(s, d, true), fresh);
    expect(state).toMatchObject({ currentStreak: 1, longestStreak: 2, totalActiveDays: 3 });
  });

  it("when the day was already counted, then nothing changes", () => {
    const once = withActiveDay(fresh, "2026-11-01", true);
    expect(withActiveDay(once, "2026-11-01", false)).toBe(once);
  });
});

describe("streakAfterLateDay", () => {
  const known = new Set(["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-05", "2026-11-06"]);
  const state = { currentStreak: 2, longestStreak: 3, lastActiveDate: "2026-11-06", totalActiveDays: 5 };

  it("when a late day joins the current run to an earlier one, then the current streak spans both", () => {
    expect(streakAfterLateDay(state, "2026-11-04", known)).toEqual({
      currentStreak: 6,
      longestStreak: 6,
      lastActiveDate: "2026-11-06",
      totalActiveDays: 6,
    });
  });

  it("when a late day stands apart from the current run, then the current streak stays and the longest never shrinks", () => {
    const sparse = new Set(["2026-10-30", "2026-11-05", "2026-11-06"]);
    expect(streakAfterLateDay({ ...state, longestStreak: 9 }, "2026-11-02", sparse)).toMatchObject({ currentStreak: 2, longestStreak: 9 });
  });

  it("when the current run is longer than the days read, then the current streak is still exact", () => {
    const longRun = { currentStreak: 400, longestStreak: 400, lastActiveDate: "2026-11-06", totalActiveDays: 400 };
    const runStart = addDays("2026-11-06", -399);
    const lateDay = addDays(runStart, -1);
    expect(streakAfterLateDay(longRun, lateDay, new Set([addDays(lateDay, -1)]))).toMatchObject({ currentStreak: 402, longestStreak: 402 });
  });

  it("when the day is not before the last active day, then it counts forward as usual", () => {
    expect(streakAfterLateDay(state, "2026-11-07", known)).toMatchObject({ currentStreak: 3, lastActiveDate: "2026-11-07" });
  });
});

describe("liveStreak", () => {
  it("when the last active day is today or yesterday, then the streak is alive; before that, it is 0", () => {
    expect(liveStreak(4, "2026-11-22", "2026-11-22")).toBe(4);
    expect(liveStreak(4, "2026-11-21", "2026-11-22")).toBe(4);
    expect(liveStreak(4, "2026-11-20", "2026-11-22")).toBe(0);
    expect(liveStreak(0, null, "2026-11-22")).toBe(0);
  });
});
