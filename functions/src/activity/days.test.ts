import { describe, expect, it } from "vitest";
import { addDays, localDate, withActiveDay, type StreakState } from "./days.js";

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
