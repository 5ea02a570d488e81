import { describe, expect, it } from "vitest";
import { compareRuns, spread } from "./stats.ts";

describe("compareRuns", () => {
  it("agrees when the medians differ by no more than the narrower of the two spreads", () => {
    // Medians 12 and 13: 1 apart, within the narrower spread (4, of 10–14).
    const a = { benchmark: "progress", at: "then", ratio: spread([0.8, 0.85, 0.9]), nested: { ms: spread([10, 12, 14]) } };
    const b = { benchmark: "progress", at: "now", ratio: spread([0.84, 0.86, 0.95]), nested: { ms: spread([11, 13, 20]) } };
    expect(compareRuns(a, b)).toEqual({ agree: ["ratio", "nested.ms"], disagree: [], unranged: [], missing: [] });
  });

  it("disagrees when the medians differ by more than either run's spread, even if the other run's is wider", () => {
    // Medians 12 and 17: 5 apart; the first run's spread is 4 (10–14), the second's 10 (12–22).
    const a = { ms: spread([10, 12, 14]) };
    const b = { ms: spread([12, 17, 22]) };
    expect(compareRuns(a, b).disagree.map((each) => each.figure)).toEqual(["ms"]);
    expect(compareRuns(b, a).disagree.map((each) => each.figure)).toEqual(["ms"]);
  });

  it("lists plain values without a verdict, and figures in one run only as missing", () => {
    const comparison = compareRuns({ count: 1, machine: { cpus: 2 }, only: spread([1]) }, { count: 1.5, machine: { cpus: 4 } });
    expect(comparison.unranged).toEqual([{ figure: "count", a: 1, b: 1.5 }]);
    expect(comparison.missing).toEqual(["only"]);
    expect(comparison.agree).toEqual([]);
  });
});
