/**
 * Reviews by a teacher through the callable host: the queue (role, filters, paging oldest first), a review that
 * grades an essay with everything that follows (answer, competency, quiz phase, the review document and its mirrors,
 * Cosmos student_reviews in the legacy shape), a re-review that moves them by the difference, and what is refused.
 */
import { describe, expect, it } from "vitest";
import { firestore } from "../../src/adapters/firestore.js";
import { toJson } from "../../src/sync/envelope.js";
import { readCosmos, readMongo, testEnvelope } from "../helpers/sinks.js";
import { callFunction, triggersIdle, uniqueId } from "../helpers/stack.js";

const METADATA = { subject: "writing", skill: uniqueId("essays"), subskill: "argument" };
const TEACHER = { uid: "teacher-1", claims: { teacher: true } };

/** A course with one lecture and a quiz of one phase holding `essays` essay questions of 5 points. */
async function essayQuiz(essays = 1) {
  const db = await firestore();
  const courseId = uniqueId("course");
  await db.doc(`courses/${courseId}`).set({ title: courseId, totalLectures: 1 });
  await db.doc(`courses/${courseId}/lectures/l1`).set({ title: "l1", durationSec: 60, order: 1 });
  const questionIds: string[] = [];
  for (let i = 0; i < essays; i++) {
    const id = uniqueId("essay");
    await db.doc(`questions/${id}`).set({ type: "essay", prompt: "Why?", points: 5, metadata: METADATA });
    await db.doc(`questionKeys/${id}`).set({ key: { type: "essay" } });
    questionIds.push(id);
  }
  const quizId = uniqueId("quiz");
  await db.doc(`quizzes/${quizId}`).set({ courseId, phases: [{ phaseId: "write", questionIds, passingScore: 0.5 }] });
  await triggersIdle();
  return { courseId, quizId, questionIds };
}

async function submitEssay(uid: string, questionId: string, quizId: string): Promise<string> {
  const answer = await callFunction("submitAnswer", { questionId, quizId, attemptId: uniqueId("att"), answer: { text: "Because the fan-out is saved." }, timeSpentMs: 1_000 }, { uid });
  expect(answer.body.result).toMatchObject({ isCorrect: null });
  return (answer.body.result as { answerId: string }).answerId;
}

type Pending = { items: { answerId: string; uid: string; type: string; answer: unknown }[]; nextCursor: string | null };

describe("reviews", () => {
  it("when a student asks for the queue or reviews, then PERMISSION_DENIED; a teacher and an admin get through", async () => {
    const { quizId } = await essayQuiz();
    expect((await callFunction("listPendingReviews", { quizId })).body.error?.status).toBe("PERMISSION_DENIED");
    expect((await callFunction("reviewAnswer", { answerId: "a1", score: 1, feedback: "ok" })).body.error?.status).toBe("PERMISSION_DENIED");
    expect((await callFunction("listPendingReviews", { quizId }, TEACHER)).body.result).toEqual({ items: [], nextCursor: null });
    expect((await callFunction("listPendingReviews", { quizId }, { claims: { admin: true } })).status).toBe(200);
  });

  it("when a teacher grades a pending essay, then the answer, the competency, the quiz phase and the review (to Cosmos student_reviews) show it; a re-review moves them by the difference", async () => {
    const { quizId, courseId, questionIds } = await essayQuiz();
    const uid = uniqueId("stu");
    const answerId = await submitEssay(uid, questionIds[0] as string, quizId);
    const queue = (await callFunction("listPendingReviews", { quizId }, TEACHER)).body.result as Pending;
    expect(queue.items).toEqual([expect.objectContaining({ answerId, uid, type: "essay", answer: { text: "Because the fan-out is saved." } })]);
    expect((await callFunction("getQuizProgress", { quizId }, { uid })).body.result).toMatchObject({ status: "in_progress", phases: [{ status: "open", pendingReview: 1 }] });

    const reviewed = await callFunction("reviewAnswer", { answerId, score: 4, feedback: "Clear argument.", rubric: [{ criterion: "clarity", score: 4, maxScore: 5 }] }, TEACHER);
    expect(reviewed.body.result).toMatchObject({ answerId, isCorrect: true, pointsEarned: 4, maxPoints: 5, revision: 1 });
    const db = await firestore();
    expect((await db.doc(`answers/${answerId}`).get()).data()).toMatchObject({ status: "graded", isCorrect: true, pointsEarned: 4, feedback: "Clear argument.", reviewedBy: "teacher-1", revision: 1 });
    const competencyPath = `users/${uid}/competencies/${METADATA.subject}~${METADATA.skill}~${METADATA.subskill}`;
    expect((await db.doc(competencyPath).get()).data()).toMatchObject({ currentScore: 80, totalAttempts: 1 });
    expect((await callFunction("getQuizProgress", { quizId }, { uid })).body.result).toMatchObject({ status: "passed", phases: [{ status: "passed", score: 4, pendingReview: 0 }] });
    expect((await callFunction("getProgress", { courseId }, { uid })).body.result).toMatchObject({ passedQuizzes: [quizId], completionPercentage: 50 });
    expect(((await callFunction("listPendingReviews", { quizId }, TEACHER)).body.result as Pending).items).toEqual([]);

    // A second look: 1 of 5. The competency moves by the difference, the attempt still counts once.
    const again = await callFunction("reviewAnswer", { answerId, score: 1, feedback: "On reflection, thin." }, TEACHER);
    expect(again.body.result).toMatchObject({ isCorrect: false, pointsEarned: 1, revision: 2 });
    expect((await db.doc(competencyPath).get()).data()).toMatchObject({ currentScore: 20, totalAttempts: 1 });

    await triggersIdle();
    const review = (await db.doc(`reviews/${answerId}`).get()).data() ?? null;
    const sample = testEnvelope(`reviews/${answerId}`, { reviewId: answerId }, review, 1);
    // The sinks hold the document as JSON: the review time as an ISO string with microseconds.
    expect(await readMongo("reviews", `reviews/${answerId}`, sample)).toEqual(toJson(review));
    expect(await readCosmos("reviews", `reviews/${answerId}`, sample)).toMatchObject({
      id: answerId,
      student_id: uid,
      attempt_id: answerId,
      reviewer: "teacher-1",
      score: 20,
      comments: "On reflection, thin.",
      full_review: { observation: null, analysis: null, evaluation: { score: 20 }, feedback: "On reflection, thin." },
      revision: 2,
      source_system: "learnpulse",
    });
    const stored = (await db.doc(`answers/${answerId}`).get()).data() ?? null;
    expect(await readCosmos("answers", `answers/${answerId}`, testEnvelope(`answers/${answerId}`, { answerId }, stored, 1))).toMatchObject({ score: 20, feedback: "On reflection, thin." });
  });

  it("when two reviews of one answer race, then both count as revisions and the competency counts the attempt once", async () => {
    const { quizId, questionIds } = await essayQuiz();
    const uid = uniqueId("stu");
    const answerId = await submitEssay(uid, questionIds[0] as string, quizId);
    const results = await Promise.all([3, 5].map((score) => callFunction("reviewAnswer", { answerId, score, feedback: `score ${score}` }, TEACHER)));
    expect(results.map((r) => (r.body.result as { revision: number }).revision).sort()).toEqual([1, 2]);
    const competency = (await (await firestore()).doc(`users/${uid}/competencies/${METADATA.subject}~${METADATA.skill}~${METADATA.subskill}`).get()).data();
    expect(competency).toMatchObject({ totalAttempts: 1 });
  });

  it("when the queue is paged two at a time, then it runs oldest first and ends with a null cursor", async () => {
    const { quizId, questionIds } = await essayQuiz(3);
    const uid = uniqueId("stu");
    const ids = [];
    for (const questionId of questionIds) ids.push(await submitEssay(uid, questionId, quizId));
    const first = (await callFunction("listPendingReviews", { quizId, limit: 2 }, TEACHER)).body.result as Pending;
    expect(first.items.map((item) => item.answerId)).toEqual(ids.slice(0, 2));
    const second = (await callFunction("listPendingReviews", { quizId, limit: 2, cursor: first.nextCursor }, TEACHER)).body.result as Pending;
    expect(second).toEqual({ items: [expect.objectContaining({ answerId: ids[2] })], nextCursor: null });
  });

  it("when an answer stored before questionType was kept waits, then the queue names its type from its question", async () => {
    const db = await firestore();
    const questionId = uniqueId("speak");
    await db.doc(`questions/${questionId}`).set({ type: "speaking", prompt: "Say it.", points: 5, metadata: METADATA });
    const quizId = uniqueId("quiz");
    const answerId = uniqueId("older");
    // As submitAnswer stored a pending answer before reviews existed: no questionType.
    await db.doc(`answers/${answerId}`).set({ uid: "u-older", questionId, quizId, answer: { mediaRef: "gs://bucket/a.m4a" }, status: "pending_review", attemptNumber: 1, submittedAt: new Date() });
    const queue = (await callFunction("listPendingReviews", { quizId }, TEACHER)).body.result as Pending;
    expect(queue.items).toEqual([expect.objectContaining({ answerId, type: "speaking" })]);
  });

  it.each([
    ["a score above the question's points", (answerId: string) => ({ answerId, score: 6, feedback: "x" }), "INVALID_ARGUMENT"],
    ["an empty feedback", (answerId: string) => ({ answerId, score: 1, feedback: "" }), "INVALID_ARGUMENT"],
    ["an answer that does not exist", () => ({ answerId: "no-such-answer", score: 1, feedback: "x" }), "NOT_FOUND"],
    ["an answer id that could inject a path", () => ({ answerId: "../users/x", score: 1, feedback: "x" }), "INVALID_ARGUMENT"],
  ])("when a review names %s, then %s and nothing is written", async (_what, request, status) => {
    const { quizId, questionIds } = await essayQuiz();
    const answerId = await submitEssay(uniqueId("stu"), questionIds[0] as string, quizId);
    expect((await callFunction("reviewAnswer", request(answerId), TEACHER)).body.error?.status).toBe(status);
    expect((await (await firestore()).doc(`answers/${answerId}`).get()).get("status")).toBe("pending_review");
  });

  it("when an auto-graded answer is sent for review, or a garbled cursor, then FAILED_PRECONDITION and INVALID_ARGUMENT", async () => {
    const db = await firestore();
    const questionId = uniqueId("tf");
    await db.doc(`questions/${questionId}`).set({ type: "true_false", prompt: "?", points: 1, metadata: METADATA });
    await db.doc(`questionKeys/${questionId}`).set({ key: { type: "true_false", correct: true } });
    const answer = await callFunction("submitAnswer", { questionId, attemptId: uniqueId("att"), answer: { value: true }, timeSpentMs: 1 }, { uid: uniqueId("stu") });
    const answerId = (answer.body.result as { answerId: string }).answerId;
    expect((await callFunction("reviewAnswer", { answerId, score: 1, feedback: "x" }, TEACHER)).body.error?.status).toBe("FAILED_PRECONDITION");
    expect((await callFunction("listPendingReviews", { cursor: "not-a-cursor" }, TEACHER)).body.error?.status).toBe("INVALID_ARGUMENT");
  });
});
