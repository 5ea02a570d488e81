/**
 * The live subscriptions (src/live.ts) through the Firebase JS SDK in Node against the local stack: two clients
 * signed in as the same learner, one changing through the callables and the other seeing it through onSnapshot; the
 * rules refusing another learner's documents; a ProgressTracker's acknowledged pings shown before the flush stores them.
 */
import { randomUUID } from "node:crypto";
import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithCustomToken } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, type Firestore, type FirestoreError } from "firebase/firestore";
import { connectFunctionsEmulator, getFunctions } from "firebase/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_COURSE_ID, DEMO_QUESTIONS, DEMO_QUIZ, DEMO_QUIZ_ID, seedDemoCatalogue } from "@learnpulse/local-stack/seed.ts";
import { unsignedCustomToken } from "@learnpulse/local-stack/tokens.ts";
import { firestore } from "../../functions/src/adapters/firestore.js";
import { callFunction, stackStats } from "../../functions/test/helpers/stack.ts";
import { createLearnPulseClient, type LearnPulseClient } from "../src/api.js";
import { watchAnswers, watchCourseProgress, watchQuizProgress, watchStudentStats, type AnswerDoc, type LiveProgress, type LiveStats, type Observer, type QuizProgressDoc } from "../src/live.js";
import { ProgressTracker } from "../src/progress-tracker.js";

const projectId = process.env["GCLOUD_PROJECT"] ?? "demo-learnpulse";
const functionsPort = Number(new URL(process.env["LEARNPULSE_FUNCTIONS_URL"] ?? "http://127.0.0.1:5001").port);
const authEmulatorUrl = `http://${process.env["FIREBASE_AUTH_EMULATOR_HOST"] ?? "127.0.0.1:9099"}`;
const [firestoreHost, firestorePort] = (process.env["FIRESTORE_EMULATOR_HOST"] ?? "127.0.0.1:8080").split(":") as [string, string];
const id = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

const apps: FirebaseApp[] = [];

/** The demo quiz's right answers (local-stack/seed.ts), but for the essay, which a teacher grades. */
const RIGHT: Record<string, unknown> = {
  "demo-q-true_false": { value: true },
  "demo-q-multiple_choice": { choice: "b" },
  "demo-q-timed": { value: true },
  "demo-q-fill_blank": { blanks: ["5", "5"] },
  "demo-q-short_answer": { text: "MongoDB" },
  "demo-q-numeric": { value: 60 },
  "demo-q-ordering": { order: DEMO_QUESTIONS["demo-q-ordering"]?.key["correct"] },
  "demo-q-matching": { pairs: DEMO_QUESTIONS["demo-q-matching"]?.key["correct"] },
};

/** One device of a learner: its own Firebase app, signed in, with Firestore and the callables. */
async function deviceOf(uid: string, claims: Record<string, unknown> = {}): Promise<{ db: Firestore; lp: LearnPulseClient }> {
  const app = initializeApp({ projectId, apiKey: "fake" }, id("app"));
  apps.push(app);
  const auth = getAuth(app);
  connectAuthEmulator(auth, authEmulatorUrl, { disableWarnings: true });
  await signInWithCustomToken(auth, unsignedCustomToken(uid, claims));
  const db = getFirestore(app);
  connectFirestoreEmulator(db, firestoreHost, Number(firestorePort));
  const functions = getFunctions(app, "us-central1");
  connectFunctionsEmulator(functions, "127.0.0.1", functionsPort);
  return { db, lp: createLearnPulseClient(functions) };
}

/** An observer that keeps every value and error. */
function recorder<T>(): Observer<T> & { values: T[]; errors: FirestoreError[]; latest(): T | undefined } {
  const values: T[] = [];
  const errors: FirestoreError[] = [];
  return { values, errors, next: (value) => void values.push(value), error: (error) => void errors.push(error), latest: () => values.at(-1) };
}

beforeAll(async () => {
  await seedDemoCatalogue(await firestore());
});

afterAll(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
});

describe("live subscriptions", () => {
  it("when a lecture is completed on one device, then the learner's other device sees it through onSnapshot, with no callable polled", async () => {
    const learner = id("learner");
    const [phone, laptop] = await Promise.all([deviceOf(learner), deviceOf(learner)]);
    const progress = recorder<LiveProgress>();
    const stats = recorder<LiveStats>();
    const stopProgress = watchCourseProgress(laptop.db, learner, DEMO_COURSE_ID, progress);
    const stopStats = watchStudentStats(laptop.db, learner, stats);
    await expect.poll(() => progress.values.length && stats.values.length).toBeGreaterThan(0);
    const before = await stackStats();

    await phone.lp.completeLecture({ courseId: DEMO_COURSE_ID, lectureId: "demo-lecture-1" });
    const storedAt = performance.now();

    // A pushed change waits as long as any poll (vitest.config.ts: a hang's limit, not the latency): the time is printed.
    await expect.poll(() => progress.latest()?.lectures["demo-lecture-1"]?.completed, { interval: 10 }).toBe(true);
    await expect.poll(() => stats.latest()?.totalCompletedLectures, { interval: 10 }).toBe(1);
    console.info(JSON.stringify({ live: "completion on another device", seenAfterMs: Math.round(performance.now() - storedAt) }));
    const after = await stackStats();
    expect(after.callables["getProgress"] ?? 0).toBe(before.callables["getProgress"] ?? 0);
    expect(after.callables["getStudentStats"] ?? 0).toBe(before.callables["getStudentStats"] ?? 0);
    expect(progress.latest()?.completionPercentage).toBeGreaterThan(0);
    expect([...progress.errors, ...stats.errors]).toEqual([]);
    stopProgress();
    stopStats();
  });

  it("when a teacher reviews a learner's essay, then the learner's answer and quiz subscriptions show the grade at once", async () => {
    const learner = id("learner");
    const { db, lp } = await deviceOf(learner);
    // The essay is in the quiz's last phase, which opens once the first two are passed.
    let answerId = "";
    for (const phase of DEMO_QUIZ.phases) {
      for (const questionId of phase.questionIds) {
        const attemptId = id("attempt");
        await lp.startAttempt({ questionId, attemptId, quizId: DEMO_QUIZ_ID });
        const answer = questionId === "demo-q-essay" ? { text: "Buffered pings, one write a window." } : RIGHT[questionId];
        const submitted = await lp.submitAnswer({ questionId, attemptId, quizId: DEMO_QUIZ_ID, answer, timeSpentMs: 5_000 } as Parameters<LearnPulseClient["submitAnswer"]>[0]);
        if (questionId === "demo-q-essay") answerId = submitted.answerId;
      }
    }
    const answers = recorder<AnswerDoc[]>();
    const quiz = recorder<QuizProgressDoc | null>();
    const stopAnswers = watchAnswers(db, learner, { questionId: "demo-q-essay" }, answers);
    const stopQuiz = watchQuizProgress(db, learner, DEMO_QUIZ_ID, quiz);
    await expect.poll(() => answers.latest()?.map((a) => a.status)).toEqual(["pending_review"]);
    await expect.poll(() => quiz.latest()?.status).toBe("in_progress");

    const review = await callFunction("reviewAnswer", { answerId, score: 4, feedback: "Clear and right." }, { uid: id("teacher"), claims: { teacher: true } });
    expect(review.status).toBe(200);

    const storedAt = performance.now();
    await expect.poll(() => answers.latest()?.[0], { interval: 10 }).toMatchObject({ answerId, status: "graded", pointsEarned: 4, feedback: "Clear and right." });
    await expect.poll(() => quiz.latest()?.status, { interval: 10 }).toBe("passed");
    console.info(JSON.stringify({ live: "review", seenAfterMs: Math.round(performance.now() - storedAt) }));
    expect([...answers.errors, ...quiz.errors]).toEqual([]);
    stopAnswers();
    stopQuiz();
  });

  it("when a learner subscribes to another learner's stats, then the rules refuse it with permission-denied", async () => {
    const { db } = await deviceOf(id("learner"));
    const other = id("other");
    await callFunction("recordActivity", { type: "login", clientEventId: id("event") }, { uid: other });
    const refusedBefore = (await stackStats()).firestore?.refused ?? 0;
    const stats = recorder<LiveStats>();

    watchStudentStats(db, other, stats);

    await expect.poll(() => stats.errors.map((error) => error.code)).toEqual(["permission-denied"]);
    expect(stats.values).toEqual([]);
    expect((await stackStats()).firestore?.refused).toBeGreaterThan(refusedBefore);
  });

  it("when a tracker's pings are acknowledged, then the live progress shows them before a flush stores them, and never goes back after", async () => {
    const learner = id("learner");
    const { db, lp } = await deviceOf(learner);
    const progress = recorder<LiveProgress>();
    const live = watchCourseProgress(db, learner, DEMO_COURSE_ID, progress);
    let now = Date.now();
    const clock = { now: () => now, setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms), clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout) };
    const tracker = new ProgressTracker({ courseId: DEMO_COURSE_ID, lectureId: "demo-lecture-1", duration: 120, save: lp.saveProgress, onSaved: (ping) => live.acknowledged(ping), clock });

    tracker.play(0);
    now += 30_000;
    tracker.timeUpdate(30);
    tracker.pause(30);
    await expect.poll(() => progress.latest()?.lectures["demo-lecture-1"]).toEqual({ position: 30, coverage: 0.25, completed: false });
    tracker.dispose();
    expect(progress.latest()?.stored).toBeNull();
    const shownFrom = progress.values.length - 1;

    expect((await callFunction("flushNow", {}, { uid: id("admin"), claims: { admin: true } })).status).toBe(200);

    await expect.poll(() => progress.latest()?.stored?.watchTimes["demo-lecture-1"]).toBe(30);
    const coverages = progress.values.slice(shownFrom).map((value) => value.lectures["demo-lecture-1"]?.coverage ?? 0);
    expect(Math.min(...coverages)).toBe(0.25);
    expect(progress.latest()?.pending).toEqual([]);
    live();
  });
});
