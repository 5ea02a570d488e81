import { describe, expect, it } from "vitest";
import { backoffMs, errorText, FIRST_BACKOFF_MS, MAX_BACKOFF_MS } from "./dead-letters.js";

describe("dead-letter backoff", () => {
  it("when attempts grow, then the wait doubles from one minute and stops growing at six hours", () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([FIRST_BACKOFF_MS, 2 * FIRST_BACKOFF_MS, 4 * FIRST_BACKOFF_MS, 8 * FIRST_BACKOFF_MS]);
    expect(backoffMs(20)).toBe(MAX_BACKOFF_MS);
  });

  it("when an error is kept, then only its name and a bounded message are", () => {
    expect(errorText(new TypeError("boom"))).toBe("TypeError: boom");
    expect(errorText("x".repeat(2_000))).toHaveLength(500);
  });
});
