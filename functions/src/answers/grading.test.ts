import { describe, expect, it } from "vitest";
import { QuestionDoc, type Grade, type QuestionKey, type QuestionKeyDoc, type QuestionType } from "../schemas/answers.js";
import { grade, pointsFor } from "./grading.js";

/** it.each rows `[when, then, case]`: "%s" prints a description in full, where "$when" would cut it at 40 characters. */
function rows<Case>(cases: (Case & { when: string })[], then: (row: Case) => string): [string, string, Case][] {
  return cases.map((row) => [row.when, then(row), row]);
}

const metadata = { subject: "math", skill: "algebra", subskill: "linear" };

function questionOf(type: QuestionType, extra: Partial<QuestionDoc> = {}): QuestionDoc {
  return QuestionDoc.parse({ type, prompt: "?", metadata, ...extra });
}

function gradeWith(key: QuestionKey, answer: unknown, extra: Partial<QuestionDoc> = {}): Grade {
  return grade(questionOf(key.type, extra), { key }, answer);
}

type Expected = Pick<Grade, "isCorrect" | "score">;

describe("multiple choice, one answer", () => {
  const key: QuestionKey = { type: "multiple_choice", correct: ["b"] };
  it.each(
    rows<{ when: string; choice: string; expected: Expected }>([
      { when: "the correct option is chosen", choice: "b", expected: { isCorrect: true, score: 1 } },
      { when: "another option is chosen", choice: "a", expected: { isCorrect: false, score: 0 } },
      { when: "an id that is no option is chosen", choice: "zzz", expected: { isCorrect: false, score: 0 } },
      { when: "the id differs only in case", choice: "B", expected: { isCorrect: false, score: 0 } },
    ], (row) => `isCorrect is ${row.expected.isCorrect} and the score ${row.expected.score}`),
  )("when %s, then %s", (_when, _then, { choice, expected }) => {
    expect(gradeWith(key, { choice })).toEqual({ ...expected, feedback: null });
  });

  it.each(["a", "c"])("when the key accepts two options and %s is chosen, then it is correct", (choice) => {
    expect(gradeWith({ type: "multiple_choice", correct: ["a", "c"] }, { choice })).toMatchObject({ isCorrect: true, score: 1 });
  });
});

describe("multiple choice, several answers (right minus wrong)", () => {
  // Options a, b, c, d; a and b are correct.
  const key: QuestionKey = { type: "multiple_choice", correct: ["a", "b"] };
  it.each(
    rows<{ when: string; choices: string[]; expected: Expected }>([
      { when: "exactly the correct options are chosen", choices: ["a", "b"], expected: { isCorrect: true, score: 1 } },
      { when: "the correct options are chosen in another order", choices: ["b", "a"], expected: { isCorrect: true, score: 1 } },
      { when: "a correct option is chosen twice", choices: ["a", "b", "a"], expected: { isCorrect: true, score: 1 } },
      { when: "one of two correct options is chosen", choices: ["a"], expected: { isCorrect: false, score: 0.5 } },
      { when: "one correct option is chosen twice and nothing else", choices: ["a", "a"], expected: { isCorrect: false, score: 0.5 } },
      { when: "both correct and one wrong option are chosen", choices: ["a", "b", "c"], expected: { isCorrect: false, score: 0.5 } },
      { when: "one correct and one wrong option are chosen", choices: ["a", "c"], expected: { isCorrect: false, score: 0 } },
      { when: "every option is chosen", choices: ["a", "b", "c", "d"], expected: { isCorrect: false, score: 0 } },
      { when: "only wrong options are chosen (right minus wrong is negative)", choices: ["c", "d"], expected: { isCorrect: false, score: 0 } },
      { when: "an id that is no option is chosen with the correct ones", choices: ["a", "b", "zzz"], expected: { isCorrect: false, score: 0.5 } },
      { when: "a wrong option is chosen twice", choices: ["a", "b", "c", "c"], expected: { isCorrect: false, score: 0.5 } },
    ], (row) => `isCorrect is ${row.expected.isCorrect} and the score ${row.expected.score}`),
  )("when %s, then %s", (_when, _then, { choices, expected }) => {
    expect(gradeWith(key, { choices }, { allowMultiple: true })).toEqual({ ...expected, feedback: null });
  });

  it.each(
    rows<{ when: string; correct: string[]; choices: string[]; expected: Expected }>([
      { when: "three of four options are correct and all four are chosen", correct: ["a", "b", "c"], choices: ["a", "b", "c", "d"], expected: { isCorrect: false, score: 0.6667 } },
      { when: "every option is correct and all are chosen", correct: ["a", "b", "c"], choices: ["c", "b", "a"], expected: { isCorrect: true, score: 1 } },
      { when: "one of three correct options is chosen", correct: ["a", "b", "c"], choices: ["a"], expected: { isCorrect: false, score: 0.3333 } },
      { when: "the key lists an id twice and both correct options are chosen", correct: ["a", "a", "b"], choices: ["a", "b"], expected: { isCorrect: true, score: 1 } },
    ], (row) => `the score is ${row.expected.score}`),
  )("when %s, then %s", (_when, _then, { correct, choices, expected }) => {
    expect(gradeWith({ type: "multiple_choice", correct }, { choices }, { allowMultiple: true })).toEqual({ ...expected, feedback: null });
  });
});

describe("true/false", () => {
  it.each([
    { key: true, value: true, expected: { isCorrect: true, score: 1 } },
    { key: false, value: false, expected: { isCorrect: true, score: 1 } },
    { key: true, value: false, expected: { isCorrect: false, score: 0 } },
    { key: false, value: true, expected: { isCorrect: false, score: 0 } },
  ])("when the key is $key and the answer $value, then isCorrect is $expected.isCorrect", ({ key, value, expected }) => {
    expect(gradeWith({ type: "true_false", correct: key }, { value })).toEqual({ ...expected, feedback: null });
  });
});

describe("numeric", () => {
  it.each(
    rows<{ when: string; key: Omit<Extract<QuestionKey, { type: "numeric" }>, "type">; value: number; isCorrect: boolean }>([
      { when: "no tolerance is set and the value is exact", key: { correct: 42 }, value: 42, isCorrect: true },
      { when: "no tolerance is set and the value is off by 0.0001", key: { correct: 42 }, value: 42.0001, isCorrect: false },
      { when: "no tolerance is set and the value carries float noise (0.1 + 0.2 for 0.3)", key: { correct: 0.3 }, value: 0.1 + 0.2, isCorrect: true },
      { when: "no tolerance is set and the answer is -0 for 0", key: { correct: 0 }, value: -0, isCorrect: true },
      { when: "the value is exactly the absolute tolerance above", key: { correct: 10, absTolerance: 0.5 }, value: 10.5, isCorrect: true },
      { when: "the value is exactly the absolute tolerance below", key: { correct: 10, absTolerance: 0.5 }, value: 9.5, isCorrect: true },
      { when: "the value is just past the absolute tolerance", key: { correct: 10, absTolerance: 0.5 }, value: 10.5001, isCorrect: false },
      { when: "the boundary is not exact in binary (1.0 for 1.1 ± 0.1)", key: { correct: 1.1, absTolerance: 0.1 }, value: 1.0, isCorrect: true },
      { when: "the other boundary is not exact in binary (1.2 for 1.1 ± 0.1)", key: { correct: 1.1, absTolerance: 0.1 }, value: 1.2, isCorrect: true },
      { when: "the value is just below that boundary", key: { correct: 1.1, absTolerance: 0.1 }, value: 0.9999999, isCorrect: false },
      { when: "the key is negative and the value at the lower boundary", key: { correct: -5, absTolerance: 0.5 }, value: -5.5, isCorrect: true },
      { when: "the key is negative and the value at the upper boundary", key: { correct: -5, absTolerance: 0.5 }, value: -4.5, isCorrect: true },
      { when: "the key is negative and the value just past the tolerance", key: { correct: -5, absTolerance: 0.5 }, value: -5.51, isCorrect: false },
      { when: "the key is negative and the sign is dropped", key: { correct: -5, absTolerance: 0.5 }, value: 5, isCorrect: false },
      { when: "the value is exactly the relative tolerance above (5% of 200)", key: { correct: 200, relTolerance: 0.05 }, value: 210, isCorrect: true },
      { when: "the value is exactly the relative tolerance below (5% of 200)", key: { correct: 200, relTolerance: 0.05 }, value: 190, isCorrect: true },
      { when: "the value is just past the relative tolerance", key: { correct: 200, relTolerance: 0.05 }, value: 210.01, isCorrect: false },
      { when: "the key is negative and the value at the relative tolerance", key: { correct: -200, relTolerance: 0.05 }, value: -210, isCorrect: true },
      { when: "the key is negative and the value just past the tolerance toward zero", key: { correct: -200, relTolerance: 0.05 }, value: -189.99, isCorrect: false },
      { when: "the key is 0 with only a relative tolerance and the value is close", key: { correct: 0, relTolerance: 0.1 }, value: 0.0001, isCorrect: false },
      { when: "both tolerances are set and the absolute one is larger", key: { correct: 50, absTolerance: 1, relTolerance: 0.01 }, value: 51, isCorrect: true },
      { when: "both tolerances are set and the relative one is larger", key: { correct: 1000, absTolerance: 1, relTolerance: 0.01 }, value: 1010, isCorrect: true },
      { when: "both tolerances are set and the value is past the larger", key: { correct: 1000, absTolerance: 1, relTolerance: 0.01 }, value: 1010.5, isCorrect: false },
    ], (row) => `isCorrect is ${row.isCorrect}`),
  )("when %s, then %s", (_when, _then, { key, value, isCorrect }) => {
    expect(gradeWith({ type: "numeric", ...key }, { value })).toEqual({ isCorrect, score: isCorrect ? 1 : 0, feedback: null });
  });

  it.each([NaN, Infinity, -Infinity])("when %s reaches the grader unvalidated, then it throws instead of grading it", (value) => {
    expect(() => gradeWith({ type: "numeric", correct: 1, absTolerance: Infinity }, { value })).toThrow(/not validated/);
  });

  it("when an unparsed key holds a non-finite value, then no answer is correct", () => {
    expect(gradeWith({ type: "numeric", correct: Infinity, absTolerance: Infinity }, { value: 1e308 })).toMatchObject({ isCorrect: false, score: 0 });
  });
});

describe.each(["essay", "speaking", "audio"] as const)("%s (graded by a person)", (type) => {
  it.each([{ text: "My answer" }, { mediaRef: "uploads/u1/a1.webm" }, { text: "", mediaRef: "uploads/u1/a1.webm" }])(
    "when the answer is %j, then it is pending: isCorrect null, score 0, no feedback",
    (answer) => {
      const keyDoc: QuestionKeyDoc = { key: { type }, feedback: { correct: "Good", incorrect: "Bad" } };
      expect(grade(questionOf(type), keyDoc, answer)).toEqual({ isCorrect: null, score: 0, feedback: null });
    },
  );
});

describe("feedback", () => {
  const key: QuestionKey = { type: "multiple_choice", correct: ["a", "b"] };
  const question = questionOf("multiple_choice", { allowMultiple: true });
  it.each(
    rows<{ when: string; feedback: QuestionKeyDoc["feedback"]; choices: string[]; expected: string | null }>([
      { when: "the answer is fully correct", feedback: { correct: "Well done", incorrect: "Try again" }, choices: ["a", "b"], expected: "Well done" },
      { when: "the answer earns partial credit", feedback: { correct: "Well done", incorrect: "Try again" }, choices: ["a"], expected: "Try again" },
      { when: "the answer is wrong", feedback: { correct: "Well done", incorrect: "Try again" }, choices: ["c"], expected: "Try again" },
      { when: "the key has no feedback", feedback: undefined, choices: ["a", "b"], expected: null },
      { when: "the answer is wrong and only correct feedback exists", feedback: { correct: "Well done" }, choices: ["c"], expected: null },
      { when: "the answer is correct and only incorrect feedback exists", feedback: { incorrect: "Try again" }, choices: ["a", "b"], expected: null },
    ], (row) => `the feedback is ${row.expected}`),
  )("when %s, then %s", (_when, _then, { feedback, choices, expected }) => {
    expect(grade(question, { key, ...(feedback ? { feedback } : {}) }, { choices }).feedback).toBe(expected);
  });
});

describe("a key that does not fit the question", () => {
  const secret = "s3cret-answer-7f2c";
  it.each<{ question: QuestionType; key: QuestionKey }>([
    { question: "fill_blank", key: { type: "short_answer", correct: [secret] } },
    { question: "multiple_choice", key: { type: "ordering", correct: [secret, `${secret}-2`] } },
    { question: "essay", key: { type: "numeric", correct: 7_294_613 } },
    { question: "short_answer", key: { type: "essay" } },
  ])("when the question is $question and the key $key.type, then grading throws without naming the key's contents", ({ question, key }) => {
    let thrown: unknown;
    try {
      grade(questionOf(question), { key, feedback: { correct: `${secret}-fb` } }, { text: "x" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    const { message, stack = "" } = thrown as Error;
    for (const leak of [secret, "7294613", key.type]) expect(`${message}\n${stack}`).not.toContain(leak);
  });

  it("when a several-answer question receives a one-answer payload, then grading throws (the caller skipped validation)", () => {
    expect(() => gradeWith({ type: "multiple_choice", correct: ["a"] }, { choice: "a" }, { allowMultiple: true })).toThrow(/not validated/);
  });
});

describe("pointsFor", () => {
  it.each([
    { score: 0, points: 10, expected: 0 },
    { score: 0.5, points: 1.5, expected: 0.75 },
    { score: 0.3333, points: 1, expected: 0.33 },
    { score: 0.6667, points: 3, expected: 2 },
    { score: 0.3333, points: 3, expected: 1 },
    { score: 0.5025, points: 2, expected: 1.01 },
    { score: 0.6667, points: 1000, expected: 666.7 },
  ])("when the score is $score of $points points, then $expected points are earned", ({ score, points, expected }) => {
    expect(pointsFor({ isCorrect: false, score, feedback: null }, points)).toBe(expected);
  });

  it("when an answer is correct, then it earns every point, and when it is not, then never all of them, however close its score", () => {
    expect(pointsFor({ isCorrect: true, score: 1, feedback: null }, 2)).toBe(2);
    expect(pointsFor({ isCorrect: false, score: 0.9999, feedback: null }, 1)).toBe(0.99);
    expect(pointsFor({ isCorrect: false, score: 0.9999, feedback: null }, 1_000)).toBe(999.9);
  });
});
