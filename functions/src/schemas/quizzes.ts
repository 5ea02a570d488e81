/** Quizzes in phases and timed attempts (API.md "Quizzes in phases"). */
import { z } from "zod";
import { Id, StoredText } from "./common.js";

/** Phases per quiz and questions per phase: enough for any real quiz, and what one transaction may read. */
export const MAX_PHASES = 10;
export const MAX_QUESTIONS_PER_PHASE = 50;

/** `quizzes/{quizId}`, written by back-office tools: ordered phases, each passed at a fraction of its points. */
export const QuizDoc = z.object({
  title: StoredText.max(200).optional(),
  courseId: Id.optional(),
  phases: z
    .array(
      z.object({
        phaseId: Id,
        title: StoredText.max(200).optional(),
        questionIds: z.array(Id).min(1).max(MAX_QUESTIONS_PER_PHASE),
        /** The fraction 0..1 of the phase's points needed to pass it. */
        passingScore: z.number().min(0).max(1),
        /** Seconds for each attempt at one of the phase's questions. */
        timeLimitSec: z.number().int().positive().max(86_400).optional(),
      }),
    )
    .min(1)
    .max(MAX_PHASES),
});
export type QuizDoc = z.infer<typeof QuizDoc>;

export const StartAttemptRequest = z.strictObject({ questionId: Id, attemptId: Id, quizId: Id.optional() });
export type StartAttemptRequest = z.infer<typeof StartAttemptRequest>;
export const StartAttemptResponse = z.strictObject({ attemptId: z.string(), startedAt: z.string(), deadline: z.string().nullable() });
export type StartAttemptResponse = z.infer<typeof StartAttemptResponse>;

/** `users/{uid}/attempts/{attemptId}`: when the server saw the attempt start, and its deadline. */
export const AttemptDoc = z.object({ questionId: Id, quizId: Id.nullable(), startedAtMs: z.number(), deadlineMs: z.number().nullable() });
export type AttemptDoc = z.infer<typeof AttemptDoc>;

export const GetQuizProgressRequest = z.strictObject({ quizId: Id });
export type GetQuizProgressRequest = z.infer<typeof GetQuizProgressRequest>;

export const PhaseStatus = z.enum(["locked", "open", "passed", "failed"]);
export const QuizStatus = z.enum(["not_started", "in_progress", "passed", "failed"]);

/** One question's record in a learner's quiz progress: its best points so far and its attempts. */
export const QuestionRecord = z.object({
  bestPoints: z.number(),
  maxPoints: z.number(),
  attempts: z.number().int(),
  timeSpentMs: z.number(),
  /** An answer waits for a person. */
  pendingReview: z.boolean(),
  /** How many of its answers wait for a person (a review takes one off). */
  pendingAnswers: z.number().int().default(0),
  /** At least one answer was graded (by the server or a person). */
  graded: z.boolean(),
  /** Attempts the question allows, if it bounds them. */
  maxAttempts: z.number().int().nullable(),
});
export type QuestionRecord = z.infer<typeof QuestionRecord>;

/** `users/{uid}/quizProgress/{quizId}`: per phase, per question, what the learner has; the statuses derive from it. */
export const QuizProgressDoc = z.object({
  quizId: Id,
  courseId: Id.nullable(),
  status: QuizStatus,
  currentPhase: Id.nullable(),
  completedAt: z.string().nullable(),
  phases: z.record(z.string(), z.object({ status: PhaseStatus, questions: z.record(z.string(), QuestionRecord) })),
});
export type QuizProgressDoc = z.infer<typeof QuizProgressDoc>;

export const PhaseView = z.strictObject({
  phaseId: z.string(),
  status: PhaseStatus,
  score: z.number(),
  maxScore: z.number(),
  correctAnswers: z.number().int(),
  answered: z.number().int(),
  total: z.number().int(),
  attempts: z.number().int(),
  timeSpentMs: z.number(),
  pendingReview: z.number().int(),
});
export const QuizProgressResponse = z.strictObject({
  quizId: z.string(),
  courseId: z.string().nullable(),
  status: QuizStatus,
  currentPhase: z.string().nullable(),
  phases: z.array(PhaseView),
  completedAt: z.string().nullable(),
});
export type QuizProgressResponse = z.infer<typeof QuizProgressResponse>;
