/**
 * Quizzes in phases and timed attempts through the callable host (and, where a deadline must pass, the use cases with
 * a set clock): phases open in order, statuses follow the answers, concurrent answers keep the counts exact, passing a
 * quiz records quiz_complete once and counts toward the course, and the progress document reaches the sinks.
 */
import { describe, expect, it } from "vitest";
import { firestore, firestoreKit } from "../../src/adapters/firestore.js";
import { submitAnswer } from "../../src/answers/submit.js";
import { startAttempt } from "../../src/quizzes/attempts.js";
import { readCosmos, readMongo, testEnvelope } from "../helpers/sinks.js";
import { callFunction, triggersIdle, uniqueId } from "../helpers/stack.js";

const METADATA = { subject: "math", skill: "algebra", subskill: "linear" };

async function question(fields: Record<string, unknown> = {}): Promise<string> {
  const db = await firestore();
  const id = uniqueId("q");
  await db.doc(`questions/${id}`).set({ type: "true_false", prompt: "?", points: 1, metadata: METADATA, ...fields });
  await db.doc(`questionKeys/${id}`).set({ key: { type: "true_false", correct: true } });
  return id;
}

/** A course of one lecture and a quiz in it with two phases of `perPhase` true/false questions each. */
async function quizOf(perPhase: number, phaseFields: Record<string, unknown> = {}, questionFields: Record<string, unknown> = {}) {
  const db = await firestore();
  const courseId = uniqueId("course");
  await db.doc(`courses/${courseId}`).set({ title: courseId, totalLectures: 1 });
  await db.doc(`courses/${courseId}/lectures/l1`).set({ title: "l1", durationSec: 60, order: 1 });
  const phases = [];
  for (const phaseId of ["one", "two"]) {
    const questionIds = await Promise.all(Array.from({ length: perPhase }, () => question(questionFields)));
    phases.push({ phaseId, questionIds, passingScore: 0.5, ...phaseFields });
  }
  const quizId = uniqueId("quiz");
  await db.doc(`quizzes/${quizId}`).set({ title: "Q", courseId, phases });
  await triggersIdle(); // countQuizzes counts it into the course
  return { quizId, courseId, phases };
}

const answer = (uid: string, questionId: string, quizId: string | undefined, value: boolean, attemptId = uniqueId("att")) =>
  callFunction("submitAnswer", { questionId, attemptId, answer: { value }, timeSpentMs: 1_000, ...(quizId ? { quizId } : {}) }, { uid });

type Progress = { status: string; currentPhase: string | null; completedAt: string | null; phases: { phaseId: string; status: string; score: number; maxScore: number; answered: number; attempts: number; correctAnswers: number }[] };

describe("quizzes in phases", () => {
  it("when a learner answers, then phases open in order, a passed quiz records quiz_complete once and counts toward its course", async () => {
    const { quizId, courseId, phases } = await quizOf(2);
    const uid = uniqueId("learner");
    const [one, two] = phases as unknown as [{ questionIds: string[] }, { questionIds: string[] }];

    expect((await callFunction("getQuizProgress", { quizId }, { uid })).body.result).toMatchObject({ status: "not_started", currentPhase: "one", phases: [{ status: "open" }, { status: "locked" }] });
    expect((await answer(uid, two.questionIds[0] as string, quizId, true)).body.error?.status).toBe("FAILED_PRECONDITION");

    for (const id of one.questionIds) expect((await answer(uid, id, quizId, true)).status).toBe(200);
    const afterOne = (await callFunction("getQuizProgress", { quizId }, { uid })).body.result as Progress;
    expect(afterOne).toMatchObject({ status: "in_progress", currentPhase: "two" });
    expect(afterOne.phases.map((phase) => [phase.status, phase.score, phase.maxScore, phase.answered])).toEqual([["passed", 2, 2, 2], ["open", 0, 2, 0]]);
    expect((await answer(uid, one.questionIds[0] as string, quizId, true)).body.error?.status).toBe("FAILED_PRECONDITION");

    await answer(uid, two.questionIds[0] as string, quizId, false);
    for (const id of two.questionIds) await answer(uid, id, quizId, true);
    const done = (await callFunction("getQuizProgress", { quizId }, { uid })).body.result as Progress;
    expect(done).toMatchObject({ status: "passed", currentPhase: null, completedAt: expect.stringMatching(/^\d{4}-/) });
    expect(done.phases[1]).toMatchObject({ status: "passed", attempts: 3, answered: 2, correctAnswers: 2 });

    const db = await firestore();
    const completions = await db.collection("activities").where("uid", "==", uid).where("type", "==", "quiz_complete").get();
    expect(completions.docs.map((doc) => doc.get("quizId"))).toEqual([quizId]);
    const progress = (await callFunction("getProgress", { courseId }, { uid })).body.result;
    expect(progress).toMatchObject({ passedQuizzes: [quizId], totalQuizzes: 1, totalLectures: 1, completionPercentage: 50 });

    await triggersIdle();
    const stored = (await db.doc(`users/${uid}/quizProgress/${quizId}`).get()).data() ?? null;
    const sample = testEnvelope(`users/${uid}/quizProgress/${quizId}`, { uid, quizId }, stored, 1);
    expect(await readMongo("quizProgress", `users/${uid}/quizProgress/${quizId}`, sample)).toEqual(stored);
    expect(await readCosmos("quizProgress", `users/${uid}/quizProgress/${quizId}`, sample)).toMatchObject({ id: `${uid}~${quizId}`, student_id: uid, quiz_id: quizId, course_id: courseId, status: "passed", current_phase: null });
  });

  it("when a question allowing one attempt is answered wrong, then its phase can no longer pass: the phase and the quiz fail", async () => {
    const { quizId, phases } = await quizOf(1, {}, { maxAttempts: 1 });
    const uid = uniqueId("learner");
    await answer(uid, (phases[0] as { questionIds: string[] }).questionIds[0] as string, quizId, false);
    expect((await callFunction("getQuizProgress", { quizId }, { uid })).body.result).toMatchObject({ status: "failed", currentPhase: "one", phases: [{ status: "failed" }, { status: "locked" }] });
  });

  it("when ten answers of one phase race, then its counts are exact", async () => {
    const { quizId, phases } = await quizOf(10);
    const uid = uniqueId("learner");
    const ids = (phases[0] as { questionIds: string[] }).questionIds;
    const answers = await Promise.all(ids.map((id, i) => answer(uid, id, quizId, i % 2 === 0)));
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
    const progress = (await callFunction("getQuizProgress", { quizId }, { uid })).body.result as Progress;
    expect(progress.phases[0]).toMatchObject({ answered: 10, attempts: 10, score: 5, correctAnswers: 5, status: "passed" });
  });

  it.each([
    ["a quiz that does not exist", { quizId: "no-such-quiz" }, "NOT_FOUND"],
    ["an id that could inject a path", { quizId: "../users" }, "INVALID_ARGUMENT"],
    ["an extra field", { quizId: "q", uid: "someone-else" }, "INVALID_ARGUMENT"],
  ])("when getQuizProgress is asked for %s, then %s", async (_what, data, status) => {
    expect((await callFunction("getQuizProgress", data)).body.error?.status).toBe(status);
  });
});

describe("timed attempts", () => {
  it("when a timed question is answered without startAttempt, then FAILED_PRECONDITION and nothing is written; started, a large timeSpentMs changes nothing", async () => {
    const questionId = await question({ timeLimitSec: 30 });
    const uid = uniqueId("learner");
    expect((await answer(uid, questionId, undefined, true)).body.error?.status).toBe("FAILED_PRECONDITION");
    expect((await (await firestore()).doc(`users/${uid}`).get()).exists).toBe(false);

    const attemptId = uniqueId("att");
    const started = await callFunction("startAttempt", { questionId, attemptId }, { uid });
    const { startedAt, deadline } = started.body.result as { startedAt: string; deadline: string };
    expect(Date.parse(deadline) - Date.parse(startedAt)).toBe(30_000);
    // The same attempt again: the first start stands.
    expect((await callFunction("startAttempt", { questionId, attemptId }, { uid })).body.result).toEqual(started.body.result);
    const submitted = await callFunction("submitAnswer", { questionId, attemptId, answer: { value: true }, timeSpentMs: 86_000_000 }, { uid });
    expect(submitted.body.result).toMatchObject({ isCorrect: true });
  });

  it("when an attemptId started for one question is used for another, then FAILED_PRECONDITION", async () => {
    const [first, second] = [await question(), await question()];
    const uid = uniqueId("learner");
    const attemptId = uniqueId("att");
    expect((await callFunction("startAttempt", { questionId: first, attemptId }, { uid })).status).toBe(200);
    expect((await callFunction("startAttempt", { questionId: second, attemptId }, { uid })).body.error?.status).toBe("FAILED_PRECONDITION");
  });

  it("when an answer comes after the deadline and its 2 s grace (set clock), then FAILED_PRECONDITION; within the grace, it counts", async () => {
    const kit = await firestoreKit();
    const questionId = await question({ timeLimitSec: 30 });
    const uid = uniqueId("learner");
    const t0 = Date.now();
    await startAttempt(kit, uid, { questionId, attemptId: "late" }, t0);
    await startAttempt(kit, uid, { questionId, attemptId: "in-grace" }, t0);
    const input = (attemptId: string) => ({ questionId, attemptId, answer: { value: true }, timeSpentMs: 1 });
    await expect(submitAnswer(kit, uid, input("late"), t0 + 32_001)).rejects.toMatchObject({ code: "failed-precondition" });
    await expect(submitAnswer(kit, uid, input("in-grace"), t0 + 31_999)).resolves.toMatchObject({ isCorrect: true });
  });

  it("when a phase has a time limit, then its questions need a started attempt, and a phase not open refuses the start", async () => {
    const { quizId, phases } = await quizOf(1, { timeLimitSec: 60 });
    const uid = uniqueId("learner");
    const [one, two] = phases.map((phase) => (phase as { questionIds: string[] }).questionIds[0] as string) as [string, string];
    expect((await callFunction("startAttempt", { questionId: two, attemptId: uniqueId("att"), quizId }, { uid })).body.error?.status).toBe("FAILED_PRECONDITION");
    expect((await answer(uid, one, quizId, true)).body.error?.status).toBe("FAILED_PRECONDITION");
    const attemptId = uniqueId("att");
    const started = (await callFunction("startAttempt", { questionId: one, attemptId, quizId }, { uid })).body.result as { deadline: string };
    expect(started.deadline).not.toBeNull();
    expect((await answer(uid, one, quizId, true, attemptId)).body.result).toMatchObject({ isCorrect: true });
  });
});
