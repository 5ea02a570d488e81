/** Writing an answer's (or a review's) effect on a learner's quiz progress, inside its transaction. */
import type { Transaction } from "firebase-admin/firestore";
import type { FirestoreKit } from "../adapters/firestore.js";
import { derivedId } from "../ids.js";
import { courseCompletion } from "../progress/segments.js";
import { progressPath } from "../progress/store.js";
import { quizProgressPath, type QuizContext } from "./attempts.js";
import { emptyProgress, withAnswer, withReview, type AnswerOutcome, type ReviewOutcome } from "./progress.js";

/**
 * Stores the progress after the answer (or the review of one). The answer that passes the quiz also records a server-generated
 * `quiz_complete` activity (on the answer's day) and, for a quiz of a course, adds it to the course's passed quizzes
 * and stores the course's completion again.
 */
export function recordQuizAnswer(
  kit: FirestoreKit,
  tx: Transaction,
  uid: string,
  context: QuizContext,
  questionId: string,
  change: { answer: AnswerOutcome } | { review: ReviewOutcome },
  when: { nowMs: number; localDate: string },
): void {
  const { db, sdk } = kit;
  const { quizId } = context;
  const before = context.progress ?? emptyProgress(quizId, context.quiz);
  const nowIso = new Date(when.nowMs).toISOString();
  const after = "answer" in change ? withAnswer(before, context.quiz, questionId, context.facts, change.answer, nowIso) : withReview(before, context.quiz, questionId, context.facts, change.review, nowIso);
  tx.set(db.doc(quizProgressPath(uid, quizId)), after);
  if (after.status !== "passed" || before.status === "passed") return;
  const courseId = context.quiz.courseId;
  tx.create(db.doc(`activities/${derivedId(uid, "quiz_complete", quizId)}`), {
    uid,
    type: "quiz_complete",
    quizId,
    ...(courseId ? { courseId } : {}),
    occurredAt: sdk.Timestamp.fromMillis(when.nowMs),
    recordedAt: sdk.FieldValue.serverTimestamp(),
    localDate: when.localDate,
    metadata: {},
  });
  if (courseId && context.course) {
    const { progress, totals } = context.course;
    const passedQuizzes = [...new Set([...progress.passedQuizzes, quizId])];
    const completion = courseCompletion({ completedLectures: progress.completedLectures, passedQuizzes }, totals);
    tx.set(db.doc(progressPath(uid, courseId)), { passedQuizzes, completionPercentage: completion }, { merge: true });
  }
}
