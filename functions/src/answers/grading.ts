/**
 * Grading an answer against its question's server-only key. Pure: no I/O, so every rule is table-tested
 * (grading.test.ts). These are the partial-credit rules docs/api.md links to.
 *
 * A grade is `{isCorrect, score, feedback}`: `score` is the fraction of the question's points earned (0..1,
 * rounded to 4 decimals; `pointsFor` turns it into points rounded to 2). `feedback` is the key's
 * `feedback.correct` when the answer is fully correct, `feedback.incorrect` otherwise (partial credit included),
 * and `null` when the key has none.
 *
 * Before grading, `answerIssues` refuses (invalid-argument) an answer that repeats, pads or over-selects: choices
 * that repeat or are not option ids, a matching that uses a left item twice or names labels the question does not
 * show, an ordering that is not a permutation of the question's option ids. So every grade below is of a fair
 * answer, and `isCorrect` is exactly "scored full points".
 *
 * - **multiple_choice**, one answer `{choice}`: correct iff the choice is one of the key's correct ids; 1 or 0.
 *   Several answers `{choices}` (distinct option ids): score = max(0, (correct chosen − wrong chosen) ÷ number of
 *   correct ids) — "right minus wrong", so ticking every box earns nothing whenever at least half the options are
 *   wrong. Correct iff the chosen set equals the correct set.
 * - **true_false**: exact; 1 or 0.
 * - **fill_blank**: blank i is right when `normalizeText(answer i)` equals `normalizeText` of any alternative for
 *   blank i (with the key's `caseSensitive`). score = right blanks ÷ the key's blanks: extra answer blanks are
 *   ignored, missing ones count wrong. Correct iff every blank is right. An empty answer is right only where the
 *   key itself accepts an empty alternative.
 * - **short_answer**: `normalizeText` match against any accepted answer; 1 or 0.
 * - **matching** (each left item at most once): score = max(0, (correct pairs − wrong pairs) ÷ the key's pairs),
 *   right minus wrong as for multiple choice, so pairing a distractor costs what a right pair earns. Correct iff
 *   every key pair is matched and no wrong pair was given. Labels compare exactly: they are echoed from the
 *   question, not typed.
 * - **ordering** (a permutation of the option ids): score = length of the longest common subsequence of the
 *   answer's order and the key's ÷ the key's length. LCS rewards items placed in the right relative order
 *   wherever they sit, so one misplaced item costs exactly one: moving the first item to the end scores (n−1)/n,
 *   where position-by-position scoring would give 0. Full score only for the key's order.
 * - **numeric**: correct iff |answer − correct| ≤ max(absTolerance ?? 0, (relTolerance ?? 0) × |correct|), so
 *   exact when neither is set; 1 or 0. The comparison allows a few units of float rounding error (see
 *   FLOAT_SLACK) so that a decimal answer exactly on the tolerance is accepted (1.0 vs 1.1 ± 0.1). A non-finite
 *   value is wrong (the schema already refuses it).
 * - **essay, speaking, audio**: `{isCorrect: null, score: 0, feedback: null}` until a person reviews the answer.
 *
 * Text (`normalizeText`): Unicode NFKC (full-width "１２" is "12", "ﬁ" is "fi", NFC and NFD "é" are equal); zero-width
 * and other invisible format characters removed (U+00AD, U+180E, U+200B–U+200D, U+2060, U+FEFF); every run of
 * whitespace (spaces, tabs, newlines, NBSP, ideographic space…) folded to one space; trimmed. Unless
 * `caseSensitive`, case is fully folded by upper- then lower-casing (locale "und"), which applies Unicode's
 * one-to-many mappings: "Straße" equals "STRASSE" and "strasse", "ÉCOLE" equals "école", final sigma equals σ.
 * One difference from Unicode case folding: dotless "ı" folds to "i" (its upper case is "I"); a key that must tell
 * them apart sets `caseSensitive`. Accents stay significant: "ecole" is not "école".
 *
 * A key whose type differs from the question's is a data error and throws a plain Error (the callable maps it to
 * `internal`); the message never holds the key's contents, because answer keys must never leak.
 */
import type { z } from "zod";
import type { FieldIssue } from "../errors.js";
import { AnswerByType, type Grade, type QuestionDoc, type QuestionKey, type QuestionKeyDoc } from "../schemas/answers.js";

/** Score precision: 4 decimals keep thirds and sevenths distinct without float noise in stored answers. */
const SCORE_DECIMALS = 4;
/** Points precision: hundredths of a point. */
const POINTS_DECIMALS = 2;
/**
 * Float slack for numeric answers, in units of the largest magnitude involved. Each of answer, correct value and
 * tolerance carries up to half an ulp of decimal-to-binary error (Number.EPSILON / 2 relative), so 4 × EPSILON
 * covers their sum with margin while staying far below any tolerance a person would write.
 */
const FLOAT_SLACK = 4 * Number.EPSILON;

/** Invisible format characters a copy-paste or an input method may slip into text. */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200D\u2060\uFEFF]/g;
const WHITESPACE_RUN = /\s+/g;

type KeyOf<Type extends QuestionKey["type"]> = Extract<QuestionKey, { type: Type }>;
/** A gradable outcome before rounding and feedback. */
interface Outcome {
  isCorrect: boolean;
  score: number;
}

/**
 * What makes an answer (of its type's shape) unfair for this question, as field issues: empty when it is fair.
 * The callable refuses an unfair answer with invalid-argument before anything is written.
 */
export function answerIssues(question: QuestionDoc, answer: unknown): FieldIssue[] {
  const optionIds = new Set((question.options ?? []).map((option) => option.id));
  switch (question.type) {
    case "multiple_choice": {
      const choices = question.allowMultiple ? answerAs(AnswerByType.multiple_choice_multi, answer).choices : [answerAs(AnswerByType.multiple_choice_single, answer).choice];
      const path = question.allowMultiple ? "answer.choices" : "answer.choice";
      if (choices.some((choice) => !optionIds.has(choice))) return [{ path, message: "must name the question's options" }];
      if (new Set(choices).size !== choices.length) return [{ path, message: "must not repeat a choice" }];
      return [];
    }
    case "matching": {
      const { pairs } = answerAs(AnswerByType.matching, answer);
      const left = new Set(question.left ?? []);
      const right = new Set(question.right ?? []);
      if (pairs.some((pair) => !left.has(pair.left) || !right.has(pair.right))) return [{ path: "answer.pairs", message: "must use the question's labels" }];
      if (new Set(pairs.map((pair) => pair.left)).size !== pairs.length) return [{ path: "answer.pairs", message: "must use each left item at most once" }];
      return [];
    }
    case "ordering": {
      const { order } = answerAs(AnswerByType.ordering, answer);
      const permutation = order.length === optionIds.size && new Set(order).size === order.length && order.every((item) => optionIds.has(item));
      return permutation ? [] : [{ path: "answer.order", message: "must be a permutation of the question's option ids" }];
    }
    default:
      return [];
  }
}

/** Grades `answer` (already validated with `answerSchemaFor(question)` and `answerIssues`) against the question's key. */
export function grade(question: QuestionDoc, keyDoc: QuestionKeyDoc, answer: unknown): Grade {
  const { key, feedback } = keyDoc;
  // Only the question's (public) type is named: the key's contents, its type included, stay out of messages.
  if (key.type !== question.type) throw new Error(`The answer key does not fit this ${question.type} question`);
  const outcome = outcomeOf(question, key, answer);
  if (!outcome) return { isCorrect: null, score: 0, feedback: null };
  // Correct means full points, and full points means correct: a score that only rounds to 1 is held below it.
  const rounded = round(Math.min(1, Math.max(0, outcome.score)), SCORE_DECIMALS);
  const score = outcome.isCorrect ? 1 : Math.min(rounded, 1 - 10 ** -SCORE_DECIMALS);
  return { isCorrect: outcome.isCorrect, score, feedback: (outcome.isCorrect ? feedback?.correct : feedback?.incorrect) ?? null };
}

/** The points a grade earns out of `points`, to the hundredth; all of them exactly when the answer is correct. */
export function pointsFor(grade: Grade, points: number): number {
  if (grade.isCorrect) return points;
  return Math.min(round(grade.score * points, POINTS_DECIMALS), round(points - 10 ** -POINTS_DECIMALS, POINTS_DECIMALS));
}

/** Text as answers compare it; see the rules at the top of this file. */
export function normalizeText(text: string, caseSensitive = false): string {
  let normalized = text.normalize("NFKC").replace(INVISIBLE, "");
  // Case mappings can leave text outside NFKC (e.g. "İ" lower-cases to "i" + a combining dot): normalize again.
  if (!caseSensitive) normalized = normalized.toLocaleUpperCase("und").toLocaleLowerCase("und").normalize("NFKC");
  return normalized.replace(WHITESPACE_RUN, " ").trim();
}

/** `null` for types a person grades. */
function outcomeOf(question: QuestionDoc, key: QuestionKey, answer: unknown): Outcome | null {
  switch (key.type) {
    case "multiple_choice":
      return question.allowMultiple
        ? gradeChoices(key, answerAs(AnswerByType.multiple_choice_multi, answer).choices)
        : allOrNothing(key.correct.includes(answerAs(AnswerByType.multiple_choice_single, answer).choice));
    case "true_false":
      return allOrNothing(answerAs(AnswerByType.true_false, answer).value === key.correct);
    case "fill_blank":
      return gradeBlanks(key, answerAs(AnswerByType.fill_blank, answer).blanks);
    case "short_answer":
      return allOrNothing(matchesAny(answerAs(AnswerByType.short_answer, answer).text, key.correct, key.caseSensitive));
    case "matching":
      return gradePairs(key, answerAs(AnswerByType.matching, answer).pairs);
    case "ordering":
      return gradeOrder(key, answerAs(AnswerByType.ordering, answer).order);
    case "numeric":
      return allOrNothing(withinTolerance(answerAs(AnswerByType.numeric, answer).value, key));
    case "essay":
    case "speaking":
    case "audio":
      return null;
  }
}

/**
 * The answer as its type's shape. The caller has validated it already; checking again costs little and keeps this
 * module free of casts, and a mismatch here is a bug in the caller, hence a plain Error.
 */
function answerAs<Schema extends z.ZodType>(schema: Schema, answer: unknown): z.infer<Schema> {
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw new Error("The answer was not validated for this question's type before grading");
  return parsed.data;
}

function allOrNothing(isCorrect: boolean): Outcome {
  return { isCorrect, score: isCorrect ? 1 : 0 };
}

function gradeChoices(key: KeyOf<"multiple_choice">, choices: readonly string[]): Outcome {
  const correct = new Set(key.correct);
  const chosen = new Set(choices);
  let right = 0;
  for (const choice of chosen) if (correct.has(choice)) right++;
  const wrong = chosen.size - right;
  return { isCorrect: wrong === 0 && right === correct.size, score: Math.max(0, (right - wrong) / correct.size) };
}

function gradeBlanks(key: KeyOf<"fill_blank">, blanks: readonly string[]): Outcome {
  let right = 0;
  key.correct.forEach((alternatives, i) => {
    const blank = blanks[i];
    if (blank !== undefined && matchesAny(blank, alternatives, key.caseSensitive)) right++;
  });
  return { isCorrect: right === key.correct.length, score: right / key.correct.length };
}

function matchesAny(text: string, accepted: readonly string[], caseSensitive: boolean | undefined): boolean {
  const normalized = normalizeText(text, caseSensitive);
  return accepted.some((candidate) => normalizeText(candidate, caseSensitive) === normalized);
}

function gradePairs(key: KeyOf<"matching">, pairs: readonly { left: string; right: string }[]): Outcome {
  // JSON of the pair: labels are arbitrary text, so no separator character could be trusted to join them.
  const keyPairs = new Set(key.correct.map((pair) => JSON.stringify([pair.left, pair.right])));
  const answeredLeft = new Set<string>();
  let right = 0;
  let wrong = 0;
  for (const pair of pairs) {
    if (answeredLeft.has(pair.left)) continue;
    answeredLeft.add(pair.left);
    if (keyPairs.has(JSON.stringify([pair.left, pair.right]))) right++;
    else wrong++;
  }
  return { isCorrect: wrong === 0 && right === keyPairs.size, score: Math.max(0, (right - wrong) / keyPairs.size) };
}

function gradeOrder(key: KeyOf<"ordering">, order: readonly string[]): Outcome {
  const identical = order.length === key.correct.length && order.every((item, i) => item === key.correct[i]);
  return { isCorrect: identical, score: longestCommonSubsequence(order, key.correct) / key.correct.length };
}

/** Classic O(n·m) dynamic programme over one rolling row; both lists hold at most MAX_ITEMS-ish entries. */
function longestCommonSubsequence(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const itemA of a) {
    const current = [0];
    b.forEach((itemB, j) => {
      current.push(itemA === itemB ? (previous[j] ?? 0) + 1 : Math.max(previous[j + 1] ?? 0, current[j] ?? 0));
    });
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function withinTolerance(value: number, key: KeyOf<"numeric">): boolean {
  if (!Number.isFinite(value) || !Number.isFinite(key.correct)) return false;
  const tolerance = Math.max(key.absTolerance ?? 0, (key.relTolerance ?? 0) * Math.abs(key.correct));
  const slack = FLOAT_SLACK * Math.max(Math.abs(value), Math.abs(key.correct), tolerance);
  return Math.abs(value - key.correct) <= tolerance + slack;
}

/** Rounds half up to `decimals`; toPrecision(15) first drops float noise (1.005 × 100 = 100.49999999999999). */
function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(Number((value * factor).toPrecision(15))) / factor;
}
