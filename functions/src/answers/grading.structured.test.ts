import { describe, expect, it } from "vitest";
import { QuestionDoc, type Grade, type QuestionKey } from "../schemas/answers.js";
import { answerIssues, grade } from "./grading.js";

/** it.each rows `[when, then, case]`: "%s" prints a description in full, where "$when" would cut it at 40 characters. */
function rows<Case>(cases: (Case & { when: string })[], then: (row: Case) => string): [string, string, Case][] {
  return cases.map((row) => [row.when, then(row), row]);
}

const metadata = { subject: "geo", skill: "capitals", subskill: "world" };

function gradeWith(key: QuestionKey, answer: unknown): Grade {
  return grade(QuestionDoc.parse({ type: key.type, prompt: "?", metadata }), { key }, answer);
}

type Expected = Pick<Grade, "isCorrect" | "score">;

describe("matching (each left item at most once: answerIssues)", () => {
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
      // Right minus wrong: one right and two wrong earn nothing.
      { when: "two rights are swapped", pairs: [france, { left: "Japan", right: "Lima" }, { left: "Peru", right: "Tokyo" }], expected: { isCorrect: false, score: 0 } },
      { when: "every pair is wrong", pairs: [{ left: "France", right: "Tokyo" }, { left: "Japan", right: "Lima" }, { left: "Peru", right: "Paris" }], expected: { isCorrect: false, score: 0 } },
      // A distractor paired costs what a right pair earns, so pairing everything is not full points.
      { when: "every pair is right plus a distractor's pair", pairs: [france, japan, peru, { left: "Chile", right: "Santiago" }], expected: { isCorrect: false, score: 0.6667 } },
    ], (row) => `isCorrect is ${row.expected.isCorrect} and the score ${row.expected.score}`),
  )("when %s, then %s", (_when, _then, { pairs, expected }) => {
    expect(gradeWith(key, { pairs })).toEqual({ ...expected, feedback: null });
  });
});

describe("ordering (a permutation of the options: answerIssues; longest common subsequence)", () => {
  const key: QuestionKey = { type: "ordering", correct: ["a", "b", "c", "d"] };
  it.each(
    rows<{ when: string; order: string[]; expected: Expected }>([
      { when: "the order is the key's", order: ["a", "b", "c", "d"], expected: { isCorrect: true, score: 1 } },
      { when: "the first item is moved to the end (one misplaced item)", order: ["b", "c", "d", "a"], expected: { isCorrect: false, score: 0.75 } },
      { when: "two neighbours are swapped", order: ["a", "c", "b", "d"], expected: { isCorrect: false, score: 0.75 } },
      { when: "the order is reversed", order: ["d", "c", "b", "a"], expected: { isCorrect: false, score: 0.25 } },
      { when: "the two halves are swapped", order: ["c", "d", "a", "b"], expected: { isCorrect: false, score: 0.5 } },
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

describe("answers that repeat, pad or over-select (answerIssues: refused before grading)", () => {
  const question = (fields: object) => QuestionDoc.parse({ prompt: "?", metadata, ...fields });
  const options = [{ id: "a", text: "A" }, { id: "b", text: "B" }, { id: "c", text: "C" }];
  const ordering = question({ type: "ordering", options });
  const multi = question({ type: "multiple_choice", allowMultiple: true, options });
  const single = question({ type: "multiple_choice", options });
  const matching = question({ type: "matching", left: ["France", "Japan"], right: ["Paris", "Tokyo"] });
  it.each([
    ["an ordering that repeats the options", ordering, { order: ["a", "b", "c", "a", "b", "c"] }, "answer.order"],
    ["an ordering that repeats one option", ordering, { order: ["a", "a", "b"] }, "answer.order"],
    ["an ordering that leaves an option out", ordering, { order: ["a", "b"] }, "answer.order"],
    ["an ordering with an item that is not an option", ordering, { order: ["a", "b", "x"] }, "answer.order"],
    ["an ordering whose item differs in case", ordering, { order: ["A", "b", "c"] }, "answer.order"],
    ["choices that repeat an option", multi, { choices: ["a", "a"] }, "answer.choices"],
    ["choices that name no option", multi, { choices: ["a", "z"] }, "answer.choices"],
    ["a single choice that names no option", single, { choice: "z" }, "answer.choice"],
    ["a matching that uses a left item twice", matching, { pairs: [{ left: "France", right: "Paris" }, { left: "France", right: "Tokyo" }] }, "answer.pairs"],
    ["a matching with a label the question does not show", matching, { pairs: [{ left: "france", right: "Paris" }] }, "answer.pairs"],
  ] as const)("when %s, then it is refused at %s", (_when, q, answer, path) => {
    expect(answerIssues(q, answer)).toEqual([{ path, message: expect.any(String) }]);
  });

  it.each([
    ["a permutation of the options", ordering, { order: ["c", "a", "b"] }],
    ["distinct choices", multi, { choices: ["c", "a"] }],
    ["a matching that uses each left item once", matching, { pairs: [{ left: "Japan", right: "Paris" }, { left: "France", right: "Tokyo" }] }],
  ] as const)("when %s, then it is fair", (_when, q, answer) => {
    expect(answerIssues(q, answer)).toEqual([]);
  });
});
