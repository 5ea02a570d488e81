/**
 * Submitting an answer (API.md submitAnswer), in one Firestore transaction: the question and its server-only key,
 * the attempt counter (maxAttempts holds under concurrent submissions because the counter is read and written in
 * the transaction), the time limit against the attempt's server start (quizzes/attempts.ts), grading on the server,
 * the stored answer, the competency, the activity with its day, and with a quizId the learner's quiz progress.
 * Idempotent by (uid, attemptId). The key never leaves this function: not in the answer, not in logs.
 */
import { z } from "zod";
import { readActiveDay } from "../activity/active-day.js";
import type { FirestoreKit } from "../adapters/firestore.js";
import { InvalidInputError, NotFoundError, PreconditionFailedError } from "../errors.js";
import { derivedId } from "../ids.js";
import {
  answerSchemaFor,
  MANUAL_TYPES,
  QuestionDoc,
  QuestionKeyDoc,
  SubmitAnswerResponse,
  type SubmitAnswerRequest,
} from "../schemas/answers.js";
import { UserDoc } from "../schemas/user.js";
import { parseInput } from "../validation.js";
import { attemptPath, checkTimeLimit, readQuizCatalogue, readQuizContext, timeLimitOf } from "../quizzes/attempts.js";
import { recordQuizAnswer } from "../quizzes/record.js";
import { AttemptDoc } from "../schemas/quizzes.js";
import { competencyId, withAttempt, type Competency } from "./competency.js";
import { answerIssues, grade, pointsFor } from "./grading.js";

/** A stable id per (user, attempt): a retried submission finds its first answer instead of counting again. */
export function answerIdOf(uid: string, attemptId: string): string {
  return derivedId(uid, "answer", attemptId);
}

export async function submitAnswer(
  kit: FirestoreKit,
  uid: string,
  input: SubmitAnswerRequest,
  nowMs: number = Date.now(),
): Promise<SubmitAnswerResponse> {
  const { db, sdk } = kit;
  const answerId = answerIdOf(uid, input.attemptId);
  const refs = {
    answer: db.doc(`answers/${answerId}`),
    question: db.doc(`questions/${input.questionId}`),
    key: db.doc(`questionKeys/${input.questionId}`),
    attempts: db.doc(`users/${uid}/questionAttempts/${input.questionId}`),
    user: db.doc(`users/${uid}`),
    started: db.doc(attemptPath(uid, input.attemptId)),
  };
  const catalogue = await readQuizCatalogue(kit, input.quizId, input.questionId);
  return db.runTransaction(async (tx) => {
    const [answerSnap, questionSnap, keySnap, attemptsSnap, userSnap, startedSnap] = await tx.getAll(refs.answer, refs.question, refs.key, refs.attempts, refs.user, refs.started);
    if (answerSnap?.exists) return { ...storedResponse(answerSnap.data()), duplicate: true };
    if (!questionSnap?.exists) throw new NotFoundError("No such question");
    const question = QuestionDoc.parse(questionSnap.data());
    const answer: unknown = parseInput(answerSchemaFor(question), input.answer, "answer");
    const unfair = answerIssues(question, answer);
    if (unfair.length) throw new InvalidInputError(unfair);
    const quiz = await readQuizContext(kit, tx, uid, catalogue);
    checkTimeLimit(timeLimitOf(question, quiz?.phase), startedSnap?.exists ? AttemptDoc.parse(startedSnap.data()) : undefined, input.questionId, nowMs);
    const attemptsUsed = Number(attemptsSnap?.get("count") ?? 0);
    if (question.maxAttempts !== undefined && attemptsUsed >= question.maxAttempts) throw new PreconditionFailedError("No attempts left");
    if (!keySnap?.exists) throw new Error(`questionKeys/${input.questionId} is missing`);

    const result = grade(question, QuestionKeyDoc.parse(keySnap.data()), answer);
    const pending = MANUAL_TYPES.has(question.type);
    const competencyRef = db.doc(`users/${uid}/competencies/${competencyId(question.metadata.subject, question.metadata.skill, question.metadata.subskill)}`);
    const competencySnap = pending ? undefined : await tx.get(competencyRef);
    const day = await readActiveDay(kit, tx, uid, UserDoc.parse(userSnap?.data() ?? {}), nowMs);

    const response = {
      answerId,
      isCorrect: result.isCorrect,
      pointsEarned: pointsFor(result, question.points),
      maxPoints: question.points,
      attemptNumber: attemptsUsed + 1,
      feedback: result.feedback,
    };
    tx.create(refs.answer, {
      uid,
      questionId: input.questionId,
      questionType: question.type,
      attemptId: input.attemptId,
      ...(input.quizId ? { quizId: input.quizId } : {}),
      ...(quiz?.quiz.courseId ? { courseId: quiz.quiz.courseId } : {}),
      answer: answer,
      score: result.score,
      status: pending ? "pending_review" : "graded",
      ...response,
      timeSpentMs: input.timeSpentMs,
      subject: question.metadata.subject,
      skill: question.metadata.skill,
      subskill: question.metadata.subskill,
      submittedAt: sdk.FieldValue.serverTimestamp(),
    });
    tx.set(refs.attempts, { count: attemptsUsed + 1 }, { merge: true });
    if (competencySnap) {
      const previous = competencySnap.exists ? (competencySnap.data() as Competency) : undefined;
      tx.set(competencyRef, { ...withAttempt(previous, result.score), ...question.metadata, lastUpdated: sdk.FieldValue.serverTimestamp() });
    }
    // The answer counts as activity: a server-generated feed entry (not a type clients may send) and the day.
    tx.create(db.doc(`activities/${answerId}`), {
      uid,
      type: "answer_submitted",
      questionId: input.questionId,
      ...(input.quizId ? { quizId: input.quizId } : {}),
      occurredAt: sdk.Timestamp.fromMillis(nowMs),
      recordedAt: sdk.FieldValue.serverTimestamp(),
      localDate: day.date,
      metadata: {},
    });
    day.writeDay(tx);
    tx.set(refs.user, day.streak, { merge: true });
    if (quiz) recordQuizAnswer(kit, tx, uid, quiz, input.questionId, { answer: { points: response.pointsEarned, pending, timeSpentMs: input.timeSpentMs } }, { nowMs, localDate: day.date });
    return { ...response, duplicate: false };
  });
}

/** The answer a first submission gave, read back from the stored answer (which holds more than the response). */
const StoredResponse = z.object(SubmitAnswerResponse.omit({ duplicate: true }).shape);

function storedResponse(data: unknown): Omit<SubmitAnswerResponse, "duplicate"> {
  return StoredResponse.parse(data);
}
