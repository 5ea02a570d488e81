import { describe, expect, it } from "vitest";
import { firestore } from "../../src/adapters/firestore.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

const METADATA = { subject: "math", skill: "algebra", subskill: "linear" };
/** Distinctive key contents: if any of these ever appears in a response, the key leaked. */
const SECRET = "SECRET-ANSWER-7f3a";

async function createQuestion(question: Record<string, unknown>, key: Record<string, unknown>): Promise<string> {
  const db = await firestore();
  const id = uniqueId("q");
  await db.doc(`questions/${id}`).set({ metadata: METADATA, prompt: "?", points: 2, ...question });
  await db.doc(`questionKeys/${id}`).set({ key, feedback: { correct: "Well done.", incorrect: "Try again." } });
  return id;
}

const mcQuestion = (extra: Record<string, unknown> = {}) =>
  createQuestion(
    { type: "multiple_choice", options: [{ id: "a", text: "A" }, { id: "b", text: "B" }], ...extra },
    { type: "multiple_choice", correct: ["b"] },
  );

const submit = (data: Record<string, unknown>, uid?: string) =>
  callFunction("submitAnswer", { attemptId: uniqueId("att"), timeSpentMs: 1_000, ...data }, uid ? { uid } : {});

describe("submitAnswer", () => {
  it("when a correct answer is submitted, then it is graded on the server, stored, and the competency and day are updated", async () => {
    const uid = uniqueId("stu");
    const questionId = await mcQuestion();
    const answer = await submit({ questionId, answer: { choice: "b" } }, uid);
    expect(answer.body.result).toEqual({
      answerId: expect.any(String),
      isCorrect: true,
      pointsEarned: 2,
      maxPoints: 2,
      attemptNumber: 1,
      feedback: "Well done.",
      duplicate: false,
    });
    const db = await firestore();
    const { answerId } = answer.body.result as { answerId: string };
    expect((await db.doc(`answers/${answerId}`).get()).data()).toMatchObject({ uid, questionId, isCorrect: true, pointsEarned: 2, status: "graded" });
    expect((await db.doc(`users/${uid}/competencies/math~algebra~linear`).get()).data()).toMatchObject({
      currentScore: 100,
      credibility: 0.167,
      totalAttempts: 1,
    });
    expect(await db.doc(`users/${uid}`).get().then((s) => s.data())).toMatchObject({ currentStreak: 1, totalActiveDays: 1 });
  });

  it("when the same attemptId is submitted again, then the first result comes back marked duplicate and nothing counts twice", async () => {
    const uid = uniqueId("stu");
    const questionId = await mcQuestion();
    const attemptId = uniqueId("att");
    const first = await submit({ questionId, attemptId, answer: { choice: "a" } }, uid);
    const second = await submit({ questionId, attemptId, answer: { choice: "b" } }, uid);
    expect(second.body.result).toEqual({ ...(first.body.result as object), duplicate: true });
    const racing = await Promise.all(Array.from({ length: 5 }, () => submit({ questionId, attemptId: "same-race", answer: { choice: "b" } }, uid)));
    expect(racing.filter((r) => (r.body.result as { duplicate: boolean }).duplicate === false)).toHaveLength(1);
    const db = await firestore();
    expect((await db.doc(`users/${uid}/questionAttempts/${questionId}`).get()).get("count")).toBe(2);
  });

  it("when 10 submissions race for a question allowing 3 attempts, then exactly 3 are recorded and 7 refused", async () => {
    const uid = uniqueId("stu");
    const questionId = await mcQuestion({ maxAttempts: 3 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => submit({ questionId, answer: { choice: "a" } }, uid)));
    const accepted = answers.filter((a) => a.body.result);
    expect(accepted).toHaveLength(3);
    expect(accepted.map((a) => (a.body.result as { attemptNumber: number }).attemptNumber).sort()).toEqual([1, 2, 3]);
    expect(answers.filter((a) => a.body.error?.status === "FAILED_PRECONDITION")).toHaveLength(7);
    const db = await firestore();
    expect((await db.collection("answers").where("uid", "==", uid).get()).size).toBe(3);
  });

  it("when the time spent exceeds the time limit, then FAILED_PRECONDITION and nothing is written", async () => {
    const uid = uniqueId("stu");
    const questionId = await mcQuestion({ timeLimitSec: 30 });
    const answer = await submit({ questionId, answer: { choice: "b" }, timeSpentMs: 31_000 }, uid);
    expect(answer.body.error?.status).toBe("FAILED_PRECONDITION");
    expect((await (await firestore()).doc(`users/${uid}`).get()).exists).toBe(false);
  });

  it("when the answer has the wrong shape for the question's type, then INVALID_ARGUMENT names the answer field", async () => {
    const questionId = await mcQuestion();
    const answer = await submit({ questionId, answer: { choices: ["b"] } });
    expect(answer.body.error?.status).toBe("INVALID_ARGUMENT");
    expect((answer.body.error?.details as { path: string }[]).map((d) => d.path).sort()).toEqual(["answer.choice", "answer.choices"]);
  });

  it("when an ordering answer repeats the options to collect their points, then INVALID_ARGUMENT and nothing is written", async () => {
    const uid = uniqueId("stu");
    const options = ["flush", "ping", "trigger"].map((id) => ({ id, text: id }));
    const questionId = await createQuestion({ type: "ordering", options, points: 3 }, { type: "ordering", correct: ["ping", "flush", "trigger"] });
    const repeated = ["flush", "ping", "trigger", "flush", "ping", "trigger", "flush", "ping", "trigger"];
    const answer = await submit({ questionId, answer: { order: repeated } }, uid);
    expect(answer.body.error?.status).toBe("INVALID_ARGUMENT");
    expect((answer.body.error?.details as { path: string }[]).map((d) => d.path)).toEqual(["answer.order"]);
    const db = await firestore();
    expect((await db.doc(`users/${uid}`).get()).exists).toBe(false);
    expect((await db.collection("answers").where("uid", "==", uid).get()).size).toBe(0);
    const fair = await submit({ questionId, answer: { order: ["flush", "ping", "trigger"] } }, uid);
    expect(fair.body.result).toMatchObject({ isCorrect: false, pointsEarned: 2, maxPoints: 3 });
  });

  it("when the question does not exist, then NOT_FOUND", async () => {
    expect((await submit({ questionId: uniqueId("missing"), answer: { choice: "b" } })).body.error?.status).toBe("NOT_FOUND");
  });

  it("when an essay is submitted, then it waits for a person: isCorrect null, no points, no competency change", async () => {
    const uid = uniqueId("stu");
    const questionId = await createQuestion({ type: "essay", points: 5 }, { type: "essay" });
    const answer = await submit({ questionId, answer: { text: "Because the fan-out is saved." } }, uid);
    expect(answer.body.result).toMatchObject({ isCorrect: null, pointsEarned: 0, maxPoints: 5, feedback: null });
    const db = await firestore();
    expect((await db.doc(`users/${uid}/competencies/math~algebra~linear`).get()).exists).toBe(false);
  });

  it("when answers are right, wrong or refused, then no response ever carries the answer key", async () => {
    const questionId = await createQuestion({ type: "short_answer" }, { type: "short_answer", correct: [SECRET] });
    const responses = [
      await submit({ questionId, answer: { text: SECRET } }),
      await submit({ questionId, answer: { text: "wrong" } }),
      await submit({ questionId, answer: { value: 1 } }),
      await submit({ questionId, answer: { text: "x" }, timeSpentMs: -1 }),
    ];
    expect((responses[0]?.body.result as { isCorrect: boolean }).isCorrect).toBe(true);
    for (const response of responses) expect(JSON.stringify(response.body)).not.toContain(SECRET);
  });
});
