import { describe, expect, it } from "vitest";
import { QuestionDoc, type Grade, type QuestionKey } from "../schemas/answers.js";
import { grade } from "./grading.js";

/** it.each rows `[when, then, case]`: "%s" prints a description in full, where "$when" would cut it at 40 characters. */
function rows<Case>(cases: (Case & { when: string })[], then: (row: Case) => string): [string, string, Case][] {
  return cases.map((row) => [row.when, then(row), row]);
}

const metadata = { subject: "geo", skill: "capitals", subskill: "world" };

function gradeWith(key: QuestionKey, answer: unknown): Grade {
  return grade(QuestionDoc.parse({ type: key.type, prompt: "?", metadata }), { key }, answer);
}

type Expected = Pick<Grade, "isCorrect" | "score">;

describe("matching", () => {
  const [france, japan, peru] = [
    { left: "France", right: "Paris" },
    { left: "Japan", right: "Tokyo" },
    { left: "Peru", right: "Lima" },
  ];
  const key: QuestionKey = { type: "matching", correct: [france, japan, peru] };
  it.each(
    rows<{ when: string; pairs: { left: string; right: string }[]; expected: Expected }>([
      { when: "every pair is right", pairs: [france, japan, peru], expected: { isCorrect: true, score: 1 } },
      { when: "every pair is right in another order", pairs: [peru, france, japan], expected: { isCorrect: true, score: 1 } },
      { when: "two pairs are right and one is missing", pairs: [france, japan], expected: { isCorrect: false, score: 0.6667 } },
      { when: "only one pair is given, and it is right", pairs: [peru], expected: { isCorrect: false, score: 0.3333 } },
      {
        when: "two rights are swapped",
        pairs: [france, { left: "Japan", right: "Lima" }, { left: "Peru", right: "Tokyo" }],
        expected: { isCorrect: false, score: 0.3333 },
      },
      {
        when: "every pair is wrong",
        pairs: [{ left: "France", right: "Tokyo" }, { left: "Japan", right: "Lima" }, { left: "Peru", right: "Paris" }],
        expected: { isCorrect: false, score: 0 },
      },
      { when: "every pair is right plus an unknown pair", pairs: [france, japan, peru, { left: "Chile", right: "Santiago" }], expected: { isCorrect: false, score: 1 } },
      {
        when: "a left item is answered twice, right first (the second is ignored)",
        pairs: [france, { left: "France", right: "Tokyo" }, japan, peru],
        expected: { isCorrect: true, score: 1 },
      },
      {
        when: "a left item is answered twice, wrong first (the first counts)",
        pairs: [{ left: "France", right: "Tokyo" }, france, japan, peru],
        expected: { isCorrect: false, score: 0.6667 },
      },
      {
        when: "one left item is paired with every right item",
        pairs: [france, { left: "France", right: "Tokyo" }, { left: "France", right: "Lima" }],
        expected: { isCorrect: false, score: 0.3333 },
      },
      { when: "the same right pair is sent twice", pairs: [france, france, japan, peru], expected: { isCorrect: true, score: 1 } },
      { when: "a label differs only in case (labels compare exactly)", pairs: [{ left: "france", right: "Paris" }, japan, peru], expected: { isCorrect: false, score: 0.6667 } },
    ], (row) => `isCorrect is ${row.expected.isCorrect} and the score ${row.expected.score}`),
  )("when %s, then %s", (_when, _then, { pairs, expected }) => {
    expect(gradeWith(key, { pairs })).toEqual({ ...expected, feedback: null });
  });
});

describe("ordering (longest common subsequence)", () => {
  const key: QuestionKey = { type: "ordering", correct: ["a", "b", "c", "d"] };
  it.each(
    rows<{ when: string; order: string[]; expected: Expected }>([
      { when: "the order is the key's", order: ["a", "b", "c", "d"], expected: { isCorrect: true, score: 1 } },
      { when: "the first item is moved to the end (one misplaced item)", order: ["b", "c", "d", "a"], expected: { isCorrect: false, score: 0.75 } },
      { when: "two neighbours are swapped", order: ["a", "c", "b", "d"], expected: { isCorrect: false, score: 0.75 } },
      { when: "the order is reversed", order: ["d", "c", "b", "a"], expected: { isCorrect: false, score: 0.25 } },
      { when: "the two halves are swapped", order: ["c", "d", "a", "b"], expected: { isCorrect: false, score: 0.5 } },
      { when: "an item is missing", order: ["a", "b", "c"], expected: { isCorrect: false, score: 0.75 } },
      { when: "an item not in the key is inserted", order: ["a", "b", "x", "c", "d"], expected: { isCorrect: false, score: 1 } },
      { when: "an item is repeated", order: ["a", "a", "b", "c", "d"], expected: { isCorrect: false, score: 1 } },
      { when: "only one item is repeated", order: ["a", "a", "a", "a"], expected: { isCorrect: false, score: 0.25 } },
      { when: "no item is in the key", order: ["x", "y"], expected: { isCorrect: false, score: 0 } },
      { when: "an item differs only in case", order: ["A", "b", "c", "d"], expected: { isCorrect: false, score: 0.75 } },
    ], (row) => `isCorrect is ${row.expected.isCorrect} and the score ${row.expected.score}`),
  )("when %s, then %s", (_when, _then, { order, expected }) => {
    expect(gradeWith(key, { order })).toEqual({ ...expected, feedback: null });
  });

  it.each(
    rows<{ when: string; correct: string[]; order: string[]; score: number }>([
      { when: "the last of three items is moved first", correct: ["1", "2", "3"], order: ["3", "1", "2"], score: 0.6667 },
      { when: "two pairs of five are swapped", correct: ["1", "2", "3", "4", "5"], order: ["2", "1", "4", "3", "5"], score: 0.6 },
      { when: "one of seven items is misplaced", correct: ["1", "2", "3", "4", "5", "6", "7"], order: ["1", "2", "4", "5", "6", "3", "7"], score: 0.8571 },
    ], (row) => `the score is ${row.score}`),
  )("when %s, then %s", (_when, _then, { correct, order, score }) => {
    expect(gradeWith({ type: "ordering", correct }, { order })).toEqual({ isCorrect: false, score, feedback: null });
  });
});
