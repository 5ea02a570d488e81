/**
 * Every mirrored collection's stored document as the sinks receive it (the change envelope's JSON: timestamps as ISO
 * 8601 strings, `z.iso.datetime()` here), one schema per collection. The BigQuery typed views are generated from these
 * (sync/mappers/bigquery-views.ts), the schema that users of firestore-bigquery-export write by hand.
 */
import { z } from "zod";
import { ActivityDayDoc, DeviceContext } from "./activity.js";
import { AnswerDoc, QuestionType } from "./answers.js";
import { Id, LocalDate } from "./common.js";
import { ProgressDoc } from "./progress.js";
import { QuizProgressDoc } from "./quizzes.js";
import { RubricLine } from "./reviews.js";
import type { MirroredCollection } from "./sync.js";
import { UserDoc } from "./user.js";

const Timestamp = z.iso.datetime({ offset: true });

/** `activities/{id}`: what recordActivity stores (and the server's answer_submitted and quiz_complete entries). */
export const ActivityDoc = z.object({
  uid: z.string(),
  type: z.string(),
  courseId: Id.optional(),
  lectureId: Id.optional(),
  quizId: Id.optional(),
  questionId: Id.optional(),
  clientEventId: z.string().optional(),
  occurredAt: Timestamp,
  recordedAt: Timestamp,
  localDate: LocalDate,
  metadata: z.record(z.string(), z.json()),
  device: DeviceContext.optional(),
});

/** `users/{uid}/competencies/{subject~skill~subskill}` (answers/competency.ts). */
export const CompetencyDoc = z.object({
  subject: z.string(),
  skill: z.string(),
  subskill: z.string(),
  currentScore: z.number(),
  credibility: z.number(),
  totalAttempts: z.number().int(),
  lastUpdated: Timestamp,
});

/** `reviews/{answerId}` (reviews/reviews.ts). */
export const ReviewDoc = z.object({
  uid: z.string(),
  answerId: z.string(),
  questionId: z.string(),
  quizId: z.string().nullable(),
  reviewer: z.string(),
  points: z.number(),
  maxPoints: z.number(),
  score: z.number(),
  comments: z.string(),
  rubric: z.array(RubricLine),
  revision: z.number().int(),
  reviewedAt: Timestamp,
});

/** `answers/{id}` with what the learner's view leaves out: the answer itself, the competency, the times. */
export const StoredAnswerDoc = AnswerDoc.extend({
  questionType: QuestionType,
  answer: z.record(z.string(), z.json()),
  subject: z.string(),
  skill: z.string(),
  subskill: z.string(),
  competencyWeight: z.number().optional(),
  rubric: z.array(RubricLine).optional(),
  submittedAt: Timestamp,
  reviewedAt: Timestamp.optional(),
});

export const STORED_SCHEMAS: Record<MirroredCollection, z.ZodObject> = {
  users: UserDoc,
  progress: ProgressDoc,
  activityDays: ActivityDayDoc,
  competencies: CompetencyDoc,
  activities: ActivityDoc,
  answers: StoredAnswerDoc,
  quizProgress: QuizProgressDoc,
  reviews: ReviewDoc,
};
