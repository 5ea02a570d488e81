/**
 * The fuzzer's judge of mutated payloads (shapes.ts) agrees with the contract generator on the contract's payloads,
 * and tells mutations that keep a payload valid from those that do not.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTRACTS } from "./contracts.ts";
import { REQUEST_SCHEMAS, isValidShape } from "./shapes.ts";
import { INT64_TYPE, DOUBLE_TYPE, callableBody, encodedNumber, withField, type WireValue } from "./wire.ts";

const judge = (callable: string, data: WireValue) => isValidShape(callable, callableBody(data));

describe("the judge of valid shapes", () => {
  it("when it is asked about the contract generator's payloads, then it finds every one valid, for every callable the contracts cover", () => {
    expect(Object.keys(REQUEST_SCHEMAS).sort()).toEqual(Object.keys(CONTRACTS).sort());
    const refused = Object.entries(CONTRACTS).flatMap(([callable, contract]) =>
      fc
        .sample(contract, { seed: 7, numRuns: 300 })
        .filter((payload) => !judge(callable, payload))
        .map((payload) => `${callable} ${callableBody(payload).slice(0, 200)}`),
    );
    expect(refused).toEqual([]);
  });

  it("when a mutation leaves the shape valid (an optional field deleted, another well-formed id, a decodable Int64Value), then it says valid", () => {
    expect(judge("submitAnswer", { questionId: "q1", attemptId: "a1", answer: { value: true }, timeSpentMs: 10 })).toBe(true); // quizId deleted
    expect(judge("getProgress", { courseId: "some-other-course" })).toBe(true);
    expect(judge("submitAnswer", { questionId: "q1", attemptId: "a1", answer: { value: true }, timeSpentMs: encodedNumber(INT64_TYPE, "-0") })).toBe(true);
    expect(judge("saveProgress", { courseId: "c", lectureId: "l", position: 0.5 })).toBe(true);
  });

  it("when a mutation breaks the shape, then it says invalid", () => {
    const valid = () => ({ courseId: "c" }) as { [key: string]: WireValue };
    expect(judge("getProgress", {})).toBe(false);
    expect(judge("getProgress", { courseId: "a/b" })).toBe(false);
    expect(judge("getProgress", { courseId: encodedNumber(DOUBLE_TYPE, "NaN") })).toBe(false);
    expect(judge("getProgress", withField(valid(), "__proto__", { admin: true }))).toBe(false);
    expect(judge("getProgress", withField(valid(), "uid", "victim"))).toBe(false);
    expect(judge("getProgress", [valid()])).toBe(false);
    expect(judge("updateProfile", { timezone: "UTC", displayName: "a".repeat(70 * 1024) })).toBe(false); // over the body cap
    expect(judge("noSuchCallable", {})).toBe(false);
  });
});
