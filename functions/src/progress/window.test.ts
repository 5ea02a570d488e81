import { describe, expect, it } from "vitest";
import { FLUSH_GRACE_MS, isDrainable, windowMsOfSchedule, windowOf, windowStartMs } from "./window.js";

const FIVE_MIN = 300_000;

describe("flush windows", () => {
  it("when times fall in the same 5-minute span, then they share a window; the next span is the next window", () => {
    const start = windowStartMs(5_000_000, FIVE_MIN);
    expect(windowOf(start, FIVE_MIN)).toBe(5_000_000);
    expect(windowOf(start + FIVE_MIN - 1, FIVE_MIN)).toBe(5_000_000);
    expect(windowOf(start + FIVE_MIN, FIVE_MIN)).toBe(5_000_001);
  });

  it("when a window has just closed, then it is not drainable until the grace period has passed", () => {
    const end = windowStartMs(11, FIVE_MIN);
    expect(isDrainable(10, end - 1, FIVE_MIN)).toBe(false);
    expect(isDrainable(10, end + FLUSH_GRACE_MS - 1, FIVE_MIN)).toBe(false);
    expect(isDrainable(10, end + FLUSH_GRACE_MS, FIVE_MIN)).toBe(true);
  });

  it("when the schedule says every N minutes or hours, then the window is that long; a crontab keeps 5 minutes", () => {
    expect(windowMsOfSchedule("every 5 minutes")).toBe(FIVE_MIN);
    expect(windowMsOfSchedule("every 1 hours")).toBe(3_600_000);
    expect(windowMsOfSchedule("*/10 * * * *")).toBe(FIVE_MIN);
  });
});
