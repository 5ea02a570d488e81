import { describe, expect, it } from "vitest";
import { QuestionDoc, type Grade, type QuestionKey } from "../schemas/answers.js";
import { grade, normalizeText } from "./grading.js";

/** it.each rows `[when, then, case]`: "%s" prints a description in full, where "$when" would cut it at 40 characters. */
function rows<Case>(cases: (Case & { when: string })[], then: (row: Case) => string): [string, string, Case][] {
  return cases.map((row) => [row.when, then(row), row]);
}

const metadata = { subject: "lang", skill: "vocabulary", subskill: "spelling" };

function gradeWith(key: QuestionKey, answer: unknown): Grade {
  return grade(QuestionDoc.parse({ type: key.type, prompt: "?", metadata }), { key }, answer);
}

type Expected = Pick<Grade, "isCorrect" | "score">;

describe("normalizeText", () => {
  it.each(
    rows([
      { when: "the text is empty", text: "", expected: "" },
      { when: "the text is only whitespace", text: " \t\n\u00A0 ", expected: "" },
      { when: "the text has leading, trailing and repeated spaces", text: "  a   b  ", expected: "a b" },
      { when: "the text has tabs and newlines", text: "a\tb\nc\r\nd", expected: "a b c d" },
      { when: "the text has no-break spaces", text: "a\u00A0\u00A0b\u202Fc", expected: "a b c" },
      { when: "the text has ideographic spaces", text: "\u3000x\u3000y\u3000", expected: "x y" },
      { when: "the text has zero-width characters", text: "\u200Bzero\u200C\u200Dwid\u2060th\uFEFF", expected: "zerowidth" },
      { when: "a zero-width space sits between spaces", text: "a \u200B b", expected: "a b" },
      { when: "the text has a soft hyphen", text: "soft\u00ADhyphen", expected: "softhyphen" },
      { when: "the text is upper case with an accent", text: "ÉCOLE", expected: "école" },
      { when: "an accent is a combining mark (NFD)", text: "E\u0301cole", expected: "école" },
      { when: "the text has a sharp s", text: "Straße", expected: "strasse" },
      { when: "the text has upper-case SS", text: "STRASSE", expected: "strasse" },
      { when: "the digits are full-width", text: "１２３", expected: "123" },
      { when: "the letters are full-width", text: "ＡＢＣ", expected: "abc" },
      { when: "the text has a ligature", text: "ﬁne", expected: "fine" },
    ], (row) => `it normalizes to '${row.expected}'`),
  )("when %s, then %s", (_when, _then, { text, expected }) => {
    expect(normalizeText(text)).toBe(expected);
  });

  it.each([
    { when: "the text is upper case", text: "ÉCOLE", expected: "ÉCOLE" },
    { when: "the accent is a combining mark", text: "E\u0301cole", expected: "École" },
    { when: "the text has extra and no-break spaces", text: "  A\u00A0\tB ", expected: "A B" },
    { when: "the digits are full-width", text: "１２３", expected: "123" },
  ])("when case matters and $when, then case is kept and the rest normalized ('$expected')", ({ text, expected }) => {
    expect(normalizeText(text, true)).toBe(expected);
  });

  it.each([
    ["é (NFC)", "\u00E9", "e\u0301"],
    ["final sigma and sigma", "οδος", "ΟΔΟΣ"],
    ["Straße and STRASSE", "Straße", "STRASSE"],
  ])("when comparing %s, then they normalize equal", (_label, a, b) => {
    expect(normalizeText(a)).toBe(normalizeText(b));
  });

  it("when an accent is missing, then the texts stay different", () => {
    expect(normalizeText("ecole")).not.toBe(normalizeText("école"));
  });
});

describe("fill in the blanks", () => {
  const key: QuestionKey = { type: "fill_blank", correct: [["Paris"], ["4", "four"]] };
  it.each(
    rows<{ when: string; blanks: string[]; expected: Expected }>([
      { when: "every blank is right", blanks: ["Paris", "4"], expected: { isCorrect: true, score: 1 } },
      { when: "the second blank uses another alternative in another case", blanks: ["paris", "FOUR"], expected: { isCorrect: true, score: 1 } },
      { when: "the blanks have extra whitespace, NBSP and tabs", blanks: ["  Paris\t", "\u00A0four\n"], expected: { isCorrect: true, score: 1 } },
      { when: "the blanks have zero-width characters and full-width digits", blanks: ["Pa\u200Bris", "４"], expected: { isCorrect: true, score: 1 } },
      { when: "one blank of two is wrong", blanks: ["Paris", "five"], expected: { isCorrect: false, score: 0.5 } },
      { when: "the first blank is wrong", blanks: ["London", "4"], expected: { isCorrect: false, score: 0.5 } },
      { when: "fewer blanks than the key are sent", blanks: ["Paris"], expected: { isCorrect: false, score: 0.5 } },
      { when: "more blanks than the key are sent", blanks: ["Paris", "4", "extra"], expected: { isCorrect: true, score: 1 } },
      { when: "the blanks are swapped", blanks: ["4", "Paris"], expected: { isCorrect: false, score: 0 } },
      { when: "every blank is empty", blanks: ["", ""], expected: { isCorrect: false, score: 0 } },
      { when: "every blank is whitespace", blanks: [" ", "\t"], expected: { isCorrect: false, score: 0 } },
    ], (row) => `isCorrect is ${row.expected.isCorrect} and the score ${row.expected.score}`),
  )("when %s, then %s", (_when, _then, { blanks, expected }) => {
    expect(gradeWith(key, { blanks })).toEqual({ ...expected, feedback: null });
  });

  it.each(
    rows<{ when: string; key: QuestionKey; blanks: string[]; expected: Expected }>([
      { when: "one of three blanks is right", key: { type: "fill_blank", correct: [["a"], ["b"], ["c"]] }, blanks: ["a", "x", "y"], expected: { isCorrect: false, score: 0.3333 } },
      { when: "two of three blanks are right", key: { type: "fill_blank", correct: [["a"], ["b"], ["c"]] }, blanks: ["a", "b"], expected: { isCorrect: false, score: 0.6667 } },
      { when: "case matters and one blank's case differs", key: { type: "fill_blank", correct: [["Paris"], ["4"]], caseSensitive: true }, blanks: ["paris", "4"], expected: { isCorrect: false, score: 0.5 } },
      { when: "case matters and the case is right with extra spaces", key: { type: "fill_blank", correct: [["Paris"], ["4"]], caseSensitive: true }, blanks: [" Paris ", "4"], expected: { isCorrect: true, score: 1 } },
      { when: "the key accepts an empty blank and the blank is whitespace", key: { type: "fill_blank", correct: [["", "none"]] }, blanks: ["  "], expected: { isCorrect: true, score: 1 } },
      { when: "the key's alternative has a decomposed accent and the answer a composed one", key: { type: "fill_blank", correct: [["cafe\u0301"]] }, blanks: ["CAFÉ"], expected: { isCorrect: true, score: 1 } },
    ], (row) => `the score is ${row.expected.score}`),
  )("when %s, then %s", (_when, _then, { key, blanks, expected }) => {
    expect(gradeWith(key, { blanks })).toEqual({ ...expected, feedback: null });
  });
});

describe("short answer", () => {
  const key: QuestionKey = { type: "short_answer", correct: ["photosynthesis", "photo synthesis"] };
  it.each(
    rows<{ when: string; text: string; isCorrect: boolean }>([
      { when: "the answer is an accepted one", text: "photosynthesis", isCorrect: true },
      { when: "the answer is another accepted one, capitalized", text: "Photo Synthesis", isCorrect: true },
      { when: "the answer has extra, no-break and tab whitespace", text: "  PHOTO\u00A0\t synthesis\n", isCorrect: true },
      { when: "the answer has a zero-width space inside", text: "photo\u200Bsynthesis", isCorrect: true },
      { when: "the answer is in full-width letters", text: "ｐｈｏｔｏｓｙｎｔｈｅｓｉｓ", isCorrect: true },
      { when: "the answer is misspelled", text: "photosynthesi", isCorrect: false },
      { when: "the answer is empty", text: "", isCorrect: false },
      { when: "the answer is whitespace only", text: " \u00A0\t", isCorrect: false },
    ], (row) => `isCorrect is ${row.isCorrect}`),
  )("when %s, then %s", (_when, _then, { text, isCorrect }) => {
    expect(gradeWith(key, { text })).toEqual({ isCorrect, score: isCorrect ? 1 : 0, feedback: null });
  });

  it.each(
    rows<{ when: string; key: QuestionKey; text: string; isCorrect: boolean }>([
      { when: "the key is upper case with an accent and the answer lower case", key: { type: "short_answer", correct: ["ÉCOLE"] }, text: "école", isCorrect: true },
      { when: "the key is NFC and the answer NFD", key: { type: "short_answer", correct: ["caf\u00E9"] }, text: "cafe\u0301", isCorrect: true },
      { when: "the key has ß and the answer SS", key: { type: "short_answer", correct: ["Straße"] }, text: "STRASSE", isCorrect: true },
      { when: "the answer drops the accent", key: { type: "short_answer", correct: ["école"] }, text: "ecole", isCorrect: false },
      { when: "the answer is in full-width digits", key: { type: "short_answer", correct: ["1984"] }, text: "１９８４", isCorrect: true },
      { when: "case matters and the answer's case differs", key: { type: "short_answer", correct: ["DNA"], caseSensitive: true }, text: "dna", isCorrect: false },
      { when: "case matters and the answer has only extra spaces", key: { type: "short_answer", correct: ["DNA"], caseSensitive: true }, text: " DNA\t", isCorrect: true },
    ], (row) => `isCorrect is ${row.isCorrect}`),
  )("when %s, then %s", (_when, _then, { key, text, isCorrect }) => {
    expect(gradeWith(key, { text })).toEqual({ isCorrect, score: isCorrect ? 1 : 0, feedback: null });
  });
});
