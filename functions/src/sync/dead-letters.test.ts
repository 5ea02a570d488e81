import { describe, expect, it } from "vitest";
import { errorText } from "./dead-letters.js";

describe("dead letters", () => {
  it("when an error is kept, then only its name and a bounded message are", () => {
    expect(errorText(new TypeError("boom"))).toBe("TypeError: boom");
    expect(errorText("x".repeat(2_000))).toHaveLength(500);
  });
});
