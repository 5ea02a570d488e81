/**
 * A person's review of an essay, speaking or audio answer (API.md "Reviews"). The queue is the answers still
 * `pending_review`, oldest first. A review grades the answer in one transaction with everything that follows from it:
 * the competency, the quiz phase, and `reviews/{answerId}` (mirrored, to Cosmos `student_reviews` in the legacy
 * shape). A second review of the same answer replaces the first and moves the competency and the phase by the
 * difference, never counting the attempt twice.
 */
import type { QueryDocumentSnapshot } from "firebase-admin/firestore";
import type { FirestoreKit } from "../adapters/firestore.js";
import { localDate, zoneAt } from "../activity/days.js";
import { competencyId, weightOf, withAttempt, withRevisedAttempt, type Competency } from "../answers/competency.js";
import type { Caller } from "../callable.js";
import { InvalidInputError, NotFoundError, PreconditionFailedError } from "../errors.js";
import { readQuizCatalogue, readQuizContext } from "../quizzes/attempts.js";
import { recordQuizAnswer } from "../quizzes/record.js";
import { MANUAL_TYPES, QuestionDoc, QuestionType } from "../schemas/answers.js";
import { ID_PATTERN } from "../schemas/common.js";
import type { ListPendingReviewsRequest, ListPendingReviewsResponse, ReviewAnswerRequest, ReviewAnswerResponse } from "../schemas/reviews.js";
import { UserDoc } from "../schemas/user.js";

/** A question's review passes at this fraction of its points unless it sets its own `passingScore` (API.md). */
export const DEFAULT_PASSING_SCORE = 0.5;
export const REVIEWS = "reviews";

type TimestampLike = { seconds: number; nanoseconds: number; toMillis(): number };

export async function listPendingReviews(kit: FirestoreKit, input: ListPendingReviewsRequest): Promise<ListPendingReviewsResponse> {
  const { db, sdk } = kit;
  const limit = input.limit ?? 20;
  let query = db.collection("answers").where("status", "==", "pending_review");
  if (input.courseId) query = query.where("courseId", "==", input.courseId);
  if (input.quizId) query = query.where("quizId", "==", input.quizId);
  if (input.questionType) query = query.where("questionType", "==", input.questionType);
  query = query.orderBy("submittedAt").orderBy(sdk.FieldPath.documentId()).limit(limit);
  if (input.cursor) {
    const { seconds, nanoseconds, answerId } = decodeCursor(input.cursor);
    query = query.startAfter(new sdk.Timestamp(seconds, nanoseconds), answerId);
  }
  const page = await query.get();
  const types = await questionTypesOf(kit, page.docs);
  const items = page.docs.map((doc) => ({
    answerId: doc.id,
    questionId: String(doc.get("questionId")),
    quizId: (doc.get("quizId") as string | undefined) ?? null,
    type: types.get(doc.id) as QuestionType,
    uid: String(doc.get("uid")),
    answer: (doc.get("answer") ?? {}) as Record<string, unknown>,
    attemptNumber: Number(doc.get("attemptNumber") ?? 1),
    submittedAt: new Date((doc.get("submittedAt") as TimestampLike).toMillis()).toISOString(),
  }));
  const last = page.docs.at(-1);
  const nextCursor = last && page.size === limit ? encodeCursor(last.get("submittedAt") as TimestampLike, last.id) : null;
  return { items, nextCursor };
}

/**
 * Each answer's question type: kept on the answer since reviews exist; for an answer stored before, read from its
 * question (one read per distinct question of the page).
 */
async function questionTypesOf(kit: FirestoreKit, answers: readonly QueryDocumentSnapshot[]): Promise<Map<string, QuestionType>> {
  const types = new Map<string, QuestionType>();
  const missing = [...new Set(answers.filter((doc) => !doc.get("questionType")).map((doc) => String(doc.get("questionId"))))];
  const questions = missing.length ? await kit.db.getAll(...missing.map((id) => kit.db.doc(`questions/${id}`))) : [];
  const byQuestion = new Map(questions.map((snap) => [snap.id, QuestionType.safeParse(snap.get("type")).data ?? "essay"] as const));
  for (const doc of answers) types.set(doc.id, (doc.get("questionType") as QuestionType | undefined) ?? byQuestion.get(String(doc.get("questionId"))) ?? "essay");
  return types;
}

/** An opaque cursor: the last item's submission time (to the nanosecond Firestore keeps) and id, base64url. */
const encodeCursor = (at: TimestampLike, answerId: string) => Buffer.from(JSON.stringify([at.seconds, at.nanoseconds, answerId])).toString("base64url");

function decodeCursor(cursor: string): { seconds: number; nanoseconds: number; answerId: string } {
  try {
    const [seconds, nanoseconds, answerId] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (Number.isSafeInteger(seconds) && Number.isInteger(nanoseconds) && (nanoseconds as number) >= 0 && (nanoseconds as number) < 1e9 && typeof answerId === "string" && ID_PATTERN.test(answerId)) {
      return { seconds: seconds as number, nanoseconds: nanoseconds as number, answerId };
    }
  } catch {
    // reported below
  }
  throw new InvalidInputError([{ path: "cursor", message: "is not a cursor this callable gave" }]);
}

export async function reviewAnswer(kit: FirestoreKit, reviewer: Caller, input: ReviewAnswerRequest, nowMs = Date.now()): Promise<ReviewAnswerResponse> {
  const { db, sdk } = kit;
  const answerRef = db.doc(`answers/${input.answerId}`);
  // The quiz catalogue is read before the transaction, as for an answer (quizzes/attempts.ts).
  const first = await answerRef.get();
  if (!first.exists) throw new NotFoundError("No such answer");
  const questionId = String(first.get("questionId"));
  const catalogue = await readQuizCatalogue(kit, (first.get("quizId") as string | undefined) ?? undefined, questionId);
  return db.runTransaction(async (tx) => {
    const [answerSnap, questionSnap] = await tx.getAll(answerRef, db.doc(`questions/${questionId}`));
    if (!answerSnap?.exists) throw new NotFoundError("No such answer");
    if (!questionSnap?.exists) throw new NotFoundError("No such question");
    const question = QuestionDoc.parse(questionSnap.data());
    if (!MANUAL_TYPES.has(question.type)) throw new PreconditionFailedError("This answer is graded by the server, not by a person");
    if (input.score > question.points) throw new InvalidInputError([{ path: "score", message: `must be at most the question's ${question.points} points` }]);
    const uid = String(answerSnap.get("uid"));
    const revision = Number(answerSnap.get("revision") ?? 0) + 1;
    const previousPoints = revision > 1 ? Number(answerSnap.get("pointsEarned") ?? 0) : null;
    const fraction = question.points > 0 ? input.score / question.points : 0;
    const isCorrect = fraction >= (question.passingScore ?? DEFAULT_PASSING_SCORE);

    const competencyRef = db.doc(`users/${uid}/competencies/${competencyId(question.metadata.subject, question.metadata.skill, question.metadata.subskill)}`);
    const [competencySnap, userSnap] = await tx.getAll(competencyRef, db.doc(`users/${uid}`));
    const quiz = await readQuizContext(kit, tx, uid, catalogue, false);
    const previous = competencySnap?.exists ? (competencySnap.data() as Competency) : undefined;
    const weight = previousPoints === null ? weightOf(previous) : Number(answerSnap.get("competencyWeight") ?? weightOf(previous));
    const competency = previousPoints === null || !previous ? withAttempt(previous, fraction) : withRevisedAttempt(previous, weight, previousPoints / question.points, fraction);

    const reviewedAt = sdk.Timestamp.fromMillis(nowMs);
    tx.update(answerRef, {
      status: "graded",
      isCorrect,
      pointsEarned: input.score,
      score: Math.round(fraction * 10_000) / 10_000,
      feedback: input.feedback,
      reviewedBy: reviewer.uid,
      reviewedAt,
      revision,
      competencyWeight: weight,
      ...(input.rubric ? { rubric: input.rubric } : {}),
    });
    tx.set(competencyRef, { ...competency, ...question.metadata, lastUpdated: sdk.FieldValue.serverTimestamp() });
    tx.set(db.doc(`${REVIEWS}/${input.answerId}`), {
      uid,
      answerId: input.answerId,
      questionId,
      quizId: (answerSnap.get("quizId") as string | undefined) ?? null,
      reviewer: reviewer.uid,
      points: input.score,
      maxPoints: question.points,
      score: Math.round(fraction * 10_000) / 10_000,
      comments: input.feedback,
      rubric: input.rubric ?? [],
      revision,
      reviewedAt,
    });
    if (quiz) {
      const user = UserDoc.parse(userSnap?.data() ?? {});
      recordQuizAnswer(kit, tx, uid, quiz, questionId, { review: { points: input.score, previousPoints } }, { nowMs, localDate: localDate(nowMs, zoneAt(user, nowMs)) });
    }
    return { answerId: input.answerId, isCorrect, pointsEarned: input.score, maxPoints: question.points, reviewedAt: new Date(nowMs).toISOString(), revision };
  });
}
