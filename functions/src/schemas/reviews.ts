/** Reviews by a teacher (API.md "Reviews"). */
import { z } from "zod";
import { Id, StoredText } from "./common.js";
import { QuestionType } from "./answers.js";

export const ListPendingReviewsRequest = z.strictObject({
  courseId: Id.optional(),
  quizId: Id.optional(),
  questionType: z.enum(["essay", "speaking", "audio"]).optional(),
  limit: z.number().int().min(1).max(100).optional(),
  /** nextCursor of the previous page, as given. */
  cursor: z.string().max(400).optional(),
});
export type ListPendingReviewsRequest = z.infer<typeof ListPendingReviewsRequest>;

export const PendingReview = z.strictObject({
  answerId: z.string(),
  questionId: z.string(),
  quizId: z.string().nullable(),
  type: QuestionType,
  uid: z.string(),
  answer: z.record(z.string(), z.unknown()),
  attemptNumber: z.number().int(),
  submittedAt: z.string(),
});
export const ListPendingReviewsResponse = z.strictObject({ items: z.array(PendingReview), nextCursor: z.string().nullable() });
export type ListPendingReviewsResponse = z.infer<typeof ListPendingReviewsResponse>;

export const RubricLine = z.strictObject({ criterion: StoredText.min(1).max(100), score: z.number().min(0).max(1_000), maxScore: z.number().positive().max(1_000) });

export const ReviewAnswerRequest = z.strictObject({
  answerId: Id,
  /** Points, 0..the question's points (checked against the question). */
  score: z.number().min(0).max(1_000),
  feedback: StoredText.min(1).max(4_000),
  rubric: z.array(RubricLine).max(20).optional(),
});
export type ReviewAnswerRequest = z.infer<typeof ReviewAnswerRequest>;

export const ReviewAnswerResponse = z.strictObject({
  answerId: z.string(),
  isCorrect: z.boolean(),
  pointsEarned: z.number(),
  maxPoints: z.number(),
  reviewedAt: z.string(),
  revision: z.number().int().positive(),
});
export type ReviewAnswerResponse = z.infer<typeof ReviewAnswerResponse>;
