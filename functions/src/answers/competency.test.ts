import { describe, expect, it } from "vitest";
import { competencyId, withAttempt } from "./competency.js";

describe("competency", () => {
  it("when the first attempt scores 80%, then the score is 80 with low credibility", () => {
    expect(withAttempt(undefined, 0.8)).toEqual({ currentScore: 80, credibility: 0.167, totalAttempts: 1 });
  });

  it("when the first attempts come in, then the score is their average", () => {
    const two = withAttempt(withAttempt(undefined, 1), 0);
    expect(two).toMatchObject({ currentScore: 50, totalAttempts: 2 });
    expect(withAttempt(two, 1)).toMatchObject({ currentScore: 66.7, totalAttempts: 3 });
  });

  it("when many attempts have been made, then a new one weighs 20% and credibility approaches 1", () => {
    let competency = withAttempt(undefined, 0);
    for (let i = 0; i < 19; i++) competency = withAttempt(competency, 0);
    expect(competency).toMatchObject({ currentScore: 0, credibility: 0.8, totalAttempts: 20 });
    expect(withAttempt(competency, 1).currentScore).toBe(20);
  });

  it("when the score is out of range, then it is clamped", () => {
    expect(withAttempt(undefined, 3).currentScore).toBe(100);
    expect(withAttempt(undefined, -1).currentScore).toBe(0);
  });

  it("when the ids are joined, then they make one document id", () => {
    expect(competencyId("math", "algebra", "linear")).toBe("math~algebra~linear");
  });
});
