/**
 * Properties of grading over random questions and fair answers (fast-check): the key always earns full points and
 * `isCorrect`; an answer that is not the key never earns full points; and the points agree with `isCorrect`.
 * "Is the key" is decided here from the answer's structure, not by the grader.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QuestionDoc, type QuestionKey } from "../schemas/answers.js";
import { answerIssues, grade, pointsFor } from "./grading.js";

const metadata = { subject: "s", skill: "k", subskill: "x" };
const ids = (n: number) => Array.from({ length: n }, (_, i) => `o${i}`);
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && new Set(a).size === a.length && a.every((item) => b.includes(item));

/** A question, its key, and a fair answer with whether it is the key. */
interface Case {
  question: QuestionDoc;
  key: QuestionKey;
  answer: unknown;
  isKey: boolean;
}

const options = (n: number) => ids(n).map((id) => ({ id, text: id.toUpperCase() }));
const points = fc.integer({ min: 1, max: 1_000 }).map((n) => n / 4);

const multipleChoice: fc.Arbitrary<Case> = fc
  .record({ n: fc.integer({ min: 2, max: 8 }), points, seed: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), pick: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }) })
  .map(({ n, points, seed, pick }) => {
    const all = ids(n);
    const correct = all.filter((_, i) => seed[i]).length ? all.filter((_, i) => seed[i]) : [all[0] as string];
    const choices = all.filter((_, i) => pick[i]).length ? all.filter((_, i) => pick[i]) : [all[n - 1] as string];
    return {
      question: QuestionDoc.parse({ type: "multiple_choice", prompt: "?", metadata, options: options(n), allowMultiple: true, points }),
      key: { type: "multiple_choice", correct },
      answer: { choices },
      isKey: sameSet(choices, correct),
    };
  });

const ordering: fc.Arbitrary<Case> = fc
  .record({ n: fc.integer({ min: 2, max: 8 }), points, key: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), answer: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }) })
  .map(({ n, points, key, answer }) => {
    const permute = (weights: number[]) => ids(n).map((id, i) => [id, weights[i] ?? 0] as const).sort((a, b) => a[1] - b[1]).map(([id]) => id);
    const correct = permute(key);
    const order = permute(answer);
    return {
      question: QuestionDoc.parse({ type: "ordering", prompt: "?", metadata, options: options(n), points }),
      key: { type: "ordering", correct },
      answer: { order },
      isKey: order.every((item, i) => item === correct[i]),
    };
  });

const matching: fc.Arbitrary<Case> = fc
  .record({ n: fc.integer({ min: 1, max: 6 }), distractors: fc.integer({ min: 0, max: 2 }), points, rights: fc.array(fc.nat({ max: 7 }), { minLength: 8, maxLength: 8 }), take: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }) })
  .map(({ n, distractors, points, rights, take }) => {
    const left = Array.from({ length: n + distractors }, (_, i) => `L${i}`);
    const right = Array.from({ length: n + distractors }, (_, i) => `R${i}`);
    const correct = left.slice(0, n).map((l, i) => ({ left: l, right: right[i] as string }));
    const pairs = left.filter((_, i) => take[i]).map((l, i) => ({ left: l, right: right[(rights[i] ?? 0) % right.length] as string }));
    const answered = pairs.length ? pairs : [{ left: left[0] as string, right: right[0] as string }];
    const keySet = new Set(correct.map((pair) => `${pair.left}>${pair.right}`));
    return {
      question: QuestionDoc.parse({ type: "matching", prompt: "?", metadata, left, right, points }),
      key: { type: "matching", correct },
      answer: { pairs: answered },
      isKey: answered.length === correct.length && answered.every((pair) => keySet.has(`${pair.left}>${pair.right}`)),
    };
  });

const numeric: fc.Arbitrary<Case> = fc
  .record({ correct: fc.integer({ min: -1_000, max: 1_000 }), tolerance: fc.integer({ min: 0, max: 5 }), offset: fc.integer({ min: -10, max: 10 }), points })
  .map(({ correct, tolerance, offset, points }) => ({
    question: QuestionDoc.parse({ type: "numeric", prompt: "?", metadata, points }),
    key: { type: "numeric", correct, absTolerance: tolerance },
    answer: { value: correct + offset },
    isKey: Math.abs(offset) <= tolerance,
  }));

const fillBlank: fc.Arbitrary<Case> = fc
  .record({ n: fc.integer({ min: 1, max: 5 }), points, right: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }) })
  .map(({ n, points, right }) => {
    const correct = Array.from({ length: n }, (_, i) => [`word${i}`, `alt${i}`]);
    const blanks = correct.map((alternatives, i) => (right[i] ? (alternatives[i % 2] as string) : `wrong${i}`));
    return {
      question: QuestionDoc.parse({ type: "fill_blank", prompt: "?", metadata, blankCount: n, points }),
      key: { type: "fill_blank", correct },
      answer: { blanks },
      isKey: blanks.every((_, i) => right[i]),
    };
  });

const trueFalse: fc.Arbitrary<Case> = fc.record({ correct: fc.boolean(), value: fc.boolean(), points }).map(({ correct, value, points }) => ({
  question: QuestionDoc.parse({ type: "true_false", prompt: "?", metadata, points }),
  key: { type: "true_false", correct },
  answer: { value },
  isKey: value === correct,
}));

const TYPES = { multipleChoice, ordering, matching, numeric, fillBlank, trueFalse };

describe("grading properties", () => {
  it.each(Object.entries(TYPES))("for %s, full points exactly for the key, and the points agree with isCorrect", (_type, cases) => {
    fc.assert(
      fc.property(cases, ({ question, key, answer, isKey }) => {
        expect(answerIssues(question, answer)).toEqual([]);
        const result = grade(question, { key }, answer);
        const earned = pointsFor(result, question.points);
        expect(result.isCorrect).toBe(isKey);
        expect(result.score === 1).toBe(isKey);
        expect(earned === question.points).toBe(isKey);
      }),
      { numRuns: 500 },
    );
  });
});
