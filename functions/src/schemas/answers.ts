/** Questions, their server-only keys, answer payloads per question type, and stored answers (API.md "Answers"). */
import { z } from "zod";
import { Id, StoredText } from "./common.js";

export const QUESTION_TYPES = [
  "multiple_choice",
  "true_false",
  "fill_blank",
  "short_answer",
  "matching",
  "ordering",
  "numeric",
  "essay",
  "speaking",
  "audio",
] as const;
export const QuestionType = z.enum(QUESTION_TYPES);
export type QuestionType = z.infer<typeof QuestionType>;

/** Types graded later by a person: the answer is stored with `isCorrect: null`. */
export const MANUAL_TYPES: ReadonlySet<QuestionType> = new Set(["essay", "speaking", "audio"]);

/** Longest free text a student may send (API.md: short answers ≤ 2,000 characters). */
export const MAX_TEXT = 2_000;
/** Upper bound on list answers (blanks, pairs, order, choices): generous for any real question. */
export const MAX_ITEMS = 100;
/** Longest option or item label. */
const Label = StoredText.min(1).max(500);
const Text = StoredText.max(MAX_TEXT);

/** `questions/{id}`: public, readable by students. */
export const QuestionDoc = z.object({
  type: QuestionType,
  prompt: z.string().max(10_000),
  /** multiple_choice: the options; ordering: the items to order; matching: use `left`/`right`. */
  options: z.array(z.object({ id: Id, text: Label })).max(MAX_ITEMS).optional(),
  /** multiple_choice: more than one option may be chosen (answer `{choices}` instead of `{choice}`). */
  allowMultiple: z.boolean().optional(),
  left: z.array(Label).max(MAX_ITEMS).optional(),
  right: z.array(Label).max(MAX_ITEMS).optional(),
  /** fill_blank: how many blanks. */
  blankCount: z.number().int().positive().max(MAX_ITEMS).optional(),
  points: z.number().positive().max(1_000).default(1),
  /** Attempts allowed per student; absent: unlimited. */
  maxAttempts: z.number().int().positive().max(1_000).optional(),
  /** Seconds allowed per attempt, from startAttempt's server time (quizzes/attempts.ts); absent: unlimited. */
  timeLimitSec: z.number().int().positive().max(86_400).optional(),
  /** For a person's review: the fraction of the points at which the answer counts as correct. @default 0.5 */
  passingScore: z.number().min(0).max(1).optional(),
  metadata: z.object({ subject: Id, skill: Id, subskill: Id }),
});
export type QuestionDoc = z.infer<typeof QuestionDoc>;

/** Accepted free-text answers compare after trimming, whitespace folding, NFKC and (unless caseSensitive) case folding. */
const TextMatching = { caseSensitive: z.boolean().optional() };

/** `questionKeys/{id}`: server-only (rules deny every client read). One shape per question type. */
export const QuestionKey = z.discriminatedUnion("type", [
  z.object({ type: z.literal("multiple_choice"), correct: z.array(Id).min(1) }),
  z.object({ type: z.literal("true_false"), correct: z.boolean() }),
  z.object({ type: z.literal("fill_blank"), correct: z.array(z.array(z.string()).min(1)).min(1), ...TextMatching }),
  z.object({ type: z.literal("short_answer"), correct: z.array(z.string()).min(1), ...TextMatching }),
  z.object({ type: z.literal("matching"), correct: z.array(z.object({ left: Label, right: Label })).min(1) }),
  z.object({ type: z.literal("ordering"), correct: z.array(Label).min(2) }),
  z.object({
    type: z.literal("numeric"),
    correct: z.number(),
    /** Accepted when |answer − correct| ≤ max(absTolerance, relTolerance × |correct|). */
    absTolerance: z.number().nonnegative().optional(),
    relTolerance: z.number().nonnegative().optional(),
  }),
  z.object({ type: z.literal("essay") }),
  z.object({ type: z.literal("speaking") }),
  z.object({ type: z.literal("audio") }),
]);
export type QuestionKey = z.infer<typeof QuestionKey>;

/** Feedback shown after grading, stored with the key (never sent before an attempt). */
export const KeyFeedback = z.object({ correct: z.string().max(2_000).optional(), incorrect: z.string().max(2_000).optional() });

export const QuestionKeyDoc = z.object({ key: QuestionKey, feedback: KeyFeedback.optional() });
export type QuestionKeyDoc = z.infer<typeof QuestionKeyDoc>;

/** The answer payload of each type (API.md table). Strict: an answer of the wrong shape is `invalid-argument`. */
export const AnswerByType = {
  multiple_choice_single: z.strictObject({ choice: Id }),
  multiple_choice_multi: z.strictObject({ choices: z.array(Id).min(1).max(MAX_ITEMS) }),
  true_false: z.strictObject({ value: z.boolean() }),
  fill_blank: z.strictObject({ blanks: z.array(Text).min(1).max(MAX_ITEMS) }),
  short_answer: z.strictObject({ text: Text }),
  matching: z.strictObject({ pairs: z.array(z.strictObject({ left: Label, right: Label })).min(1).max(MAX_ITEMS) }),
  ordering: z.strictObject({ order: z.array(Label).min(1).max(MAX_ITEMS) }),
  numeric: z.strictObject({ value: z.number() }),
  manual: z
    .strictObject({ text: Text.optional(), mediaRef: StoredText.min(1).max(1_024).optional() })
    .refine((answer) => answer.text !== undefined || answer.mediaRef !== undefined, { message: "text or mediaRef is required" }),
} as const;

/** The answer schema for a question: its type, and for multiple choice whether several options may be chosen. */
export function answerSchemaFor(question: Pick<QuestionDoc, "type" | "allowMultiple">): z.ZodType {
  switch (question.type) {
    case "multiple_choice":
      return question.allowMultiple ? AnswerByType.multiple_choice_multi : AnswerByType.multiple_choice_single;
    case "essay":
    case "speaking":
    case "audio":
      return AnswerByType.manual;
    default:
      return AnswerByType[question.type];
  }
}

/** Largest time a client may report for one attempt: a day. */
export const MAX_TIME_SPENT_MS = 86_400_000;

export const SubmitAnswerRequest = z.strictObject({
  questionId: Id,
  attemptId: Id,
  /** Checked against the question's type once the question is loaded. */
  answer: z.record(z.string(), z.unknown()),
  timeSpentMs: z.number().int().nonnegative().max(MAX_TIME_SPENT_MS),
  quizId: Id.optional(),
});
export type SubmitAnswerRequest = z.infer<typeof SubmitAnswerRequest>;

/** What grading decides. `score` is the fraction of the points earned (0..1). */
export interface Grade {
  isCorrect: boolean | null;
  score: number;
  feedback: string | null;
}

export const SubmitAnswerResponse = z.strictObject({
  answerId: z.string(),
  isCorrect: z.boolean().nullable(),
  pointsEarned: z.number(),
  maxPoints: z.number(),
  attemptNumber: z.number().int().positive(),
  feedback: z.string().nullable(),
  duplicate: z.boolean(),
});
export type SubmitAnswerResponse = z.infer<typeof SubmitAnswerResponse>;

/**
 * `answers/{answerId}` as a learner reads it (firestore.rules: their own, by `uid`): the submission's response, and
 * the grade a teacher's review replaces (reviews/reviews.ts). Timestamps (`submittedAt`, `reviewedAt`) are left out:
 * the Admin and client SDKs type them differently.
 */
export const AnswerDoc = z.object({
  ...SubmitAnswerResponse.omit({ duplicate: true }).shape,
  uid: z.string(),
  questionId: z.string(),
  questionType: QuestionType,
  attemptId: z.string(),
  quizId: z.string().optional(),
  courseId: z.string().optional(),
  status: z.enum(["graded", "pending_review"]),
  score: z.number(),
  timeSpentMs: z.number(),
  reviewedBy: z.string().optional(),
  revision: z.number().int().positive().optional(),
});
export type AnswerDoc = z.infer<typeof AnswerDoc>;
