/**
 * The callable contract (docs/api.md) over HTTP, against firebase-tools' own Functions and Auth emulators
 * (npm run test:emulators starts them and the stand-ins). The client is the Firebase JS SDK through the typed client,
 * signed in by the official Auth emulator, as a web app meets LearnPulse under `firebase emulators:start`.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithCustomToken } from "firebase/auth";
import { connectFunctionsEmulator, FunctionsError, getFunctions } from "firebase/functions";
import { initializeApp as initializeAdmin, type App } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALLABLE_NAMES, callableErrorCode, createLearnPulseClient, type LearnPulseClient } from "../../client/src/api.js";
import { DEMO_COURSE_ID, DEMO_LECTURES, seedDemoCatalogue } from "@learnpulse/local-stack/seed.ts";
import { unsignedCustomToken } from "@learnpulse/local-stack/tokens.ts";

const PROJECT_ID = "demo-learnpulse";
const firebaseJson = JSON.parse(readFileSync(new URL("../../firebase.json", import.meta.url), "utf8")) as {
  emulators: { functions: { port: number } };
};
const functionsPort = firebaseJson.emulators.functions.port;
const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this suite through npm run test:emulators`);
  return value;
};
const authHost = required("FIREBASE_AUTH_EMULATOR_HOST"); // set by firebase emulators:exec
const id = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const lectureId = DEMO_LECTURES[0].id;

/** A valid request of each callable: the refusals below must be for the reason each test names, not another. */
const VALID_REQUESTS: Record<(typeof CALLABLE_NAMES)[number], Record<string, unknown>> = {
  saveProgress: { courseId: DEMO_COURSE_ID, lectureId, position: 1 },
  completeLecture: { courseId: DEMO_COURSE_ID, lectureId },
  getProgress: { courseId: DEMO_COURSE_ID },
  getCourseProgress: {},
  recordActivity: { type: "course_view", clientEventId: "contract-event", courseId: DEMO_COURSE_ID },
  getHeatmap: { days: 7 },
  getStudentStats: {},
  submitAnswer: { questionId: "demo-q-true_false", attemptId: "contract-attempt", answer: { value: true }, timeSpentMs: 1_000 },
  updateProfile: { timezone: "Europe/Berlin" },
  getProfile: {},
  startAttempt: { questionId: "demo-q-timed", attemptId: "contract-start" },
  getQuizProgress: { quizId: "demo-quiz" },
  listPendingReviews: { limit: 1 },
  reviewAnswer: { answerId: "contract-no-such-answer", score: 1, feedback: "ok" },
  getSyncStatus: {},
  flushNow: { maxKeys: 1 },
  replayDeadLetters: { limit: 1 },
  replayQuarantine: { limit: 1 },
  reconcile: { collection: "progress", sink: "mongo", limit: 1 },
  exportMyData: { section: "profile" },
  deleteUserData: { uid: "contract-erased" },
  deleteMyData: { confirm: "DELETE" },
  getErasure: { requestId: "contract-no-such-request" },
  getAnalytics: { report: "daily_active", from: "2026-01-01", to: "2026-01-31" },
};

/** Calls a callable by name with an untyped request (the tests below send deliberately wrong ones too). */
const call = (client: LearnPulseClient, name: (typeof CALLABLE_NAMES)[number], request: unknown) =>
  (client[name] as (request?: unknown) => Promise<unknown>)(request);

const apps: FirebaseApp[] = [];
let admin: App;

/** A client signed in through the official Auth emulator as `uid` (signed out with null), in its own app. */
async function clientFor(uid: string | null, claims: Record<string, unknown> = {}): Promise<LearnPulseClient> {
  const app = initializeApp({ projectId: PROJECT_ID, apiKey: "fake-api-key" }, id("app"));
  apps.push(app);
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${authHost}`, { disableWarnings: true });
  if (uid !== null) await signInWithCustomToken(auth, unsignedCustomToken(uid, claims));
  const functions = getFunctions(app, "us-central1");
  connectFunctionsEmulator(functions, "127.0.0.1", functionsPort);
  return createLearnPulseClient(functions);
}

/** The error a call rejects with (fails the test if it resolves). */
async function refusal(call: Promise<unknown>): Promise<FunctionsError> {
  const outcome = await call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(FunctionsError);
  return outcome.error as FunctionsError;
}

/** Redis fields the Upstash bridge holds for a key pattern, read over Upstash's REST protocol. */
async function redisKeys(pattern: string): Promise<string[]> {
  const response = await fetch(`${required("LEARNPULSE_UPSTASH_URL")}/keys/${encodeURIComponent(pattern)}`, {
    headers: { authorization: `Bearer ${required("LEARNPULSE_UPSTASH_TOKEN")}` },
  });
  const body = (await response.json()) as { result: string[] };
  return body.result;
}

beforeAll(async () => {
  process.env["FIRESTORE_EMULATOR_HOST"] = required("LEARNPULSE_FIRESTORE_HOST");
  admin = initializeAdmin({ projectId: PROJECT_ID }, id("seed"));
  await seedDemoCatalogue(getFirestore(admin));
});

afterAll(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
});

describe("every callable under the official Functions and Auth emulators", () => {
  it.each(CALLABLE_NAMES)("when %s is called without a token, then it answers unauthenticated", async (name) => {
    const signedOut = await clientFor(null);
    const error = await refusal(call(signedOut, name, VALID_REQUESTS[name]));
    expect(callableErrorCode(error)).toBe("unauthenticated");
  });

  it.each(CALLABLE_NAMES)("when %s gets a valid request plus an unknown field, then invalid-argument names exactly that field", async (name) => {
    const caller = await clientFor(id("student"), { admin: true });
    const error = await refusal(call(caller, name, { ...VALID_REQUESTS[name], notAField: 1 }));
    expect(callableErrorCode(error)).toBe("invalid-argument");
    expect(error.details).toEqual([expect.objectContaining({ path: "notAField" })]);
  });

  it.each(["getSyncStatus", "flushNow", "replayDeadLetters", "reconcile", "replayQuarantine", "listPendingReviews", "reviewAnswer", "deleteUserData", "getAnalytics"] as const)(
    "when a student calls the admin or teacher callable %s, then permission-denied",
    async (name) => {
      const student = await clientFor(id("student"));
      const error = await refusal(call(student, name, VALID_REQUESTS[name]));
      expect(callableErrorCode(error)).toBe("permission-denied");
    },
  );
});

describe("a learner's calls under the official emulators", () => {
  it("when a ping is saved, then it is buffered in Upstash (not degraded) and getProgress reads it back", async () => {
    const uid = id("student");
    const student = await clientFor(uid);

    await expect(student.saveProgress({ courseId: DEMO_COURSE_ID, lectureId, position: 42, duration: 120, playedSegments: [[0, 42]] })).resolves.toEqual({ message: "synced" });

    expect(await redisKeys(`lp:b:*:${uid}:*`)).not.toEqual([]);
    const progress = await student.getProgress({ courseId: DEMO_COURSE_ID });
    expect(progress).toMatchObject({ courseId: DEMO_COURSE_ID, watchTimes: { [lectureId]: 42 }, totalLectures: DEMO_LECTURES.length });
  });

  it("when a ping's position is out of range, then invalid-argument names position and nothing is buffered", async () => {
    const uid = id("student");
    const student = await clientFor(uid);

    const error = await refusal(student.saveProgress({ courseId: DEMO_COURSE_ID, lectureId, position: -1 }));

    expect(callableErrorCode(error)).toBe("invalid-argument");
    expect(error.details).toEqual([expect.objectContaining({ path: "position" })]);
    expect(await redisKeys(`lp:b:*:${uid}:*`)).toEqual([]);
  });

  it("when a lecture is completed, then the course percentage and the streak answer, and getCourseProgress lists the course", async () => {
    const student = await clientFor(id("student"));

    const completed = await student.completeLecture({ courseId: DEMO_COURSE_ID, lectureId });

    // One lecture of the course's five lectures and one quiz.
    expect(completed).toEqual({ message: "completed", completionPercentage: Math.round(1000 / (DEMO_LECTURES.length + 1)) / 10, currentStreak: 1 });
    const { courses } = await student.getCourseProgress();
    expect(courses).toEqual([expect.objectContaining({ courseId: DEMO_COURSE_ID, completionPercentage: Math.round(1000 / (DEMO_LECTURES.length + 1)) / 10 })]);
  });

  it("when an activity is recorded twice with one clientEventId, then it counts once in the heat map and the stats", async () => {
    const student = await clientFor(id("student"));
    const clientEventId = id("event");

    const first = await student.recordActivity({ type: "course_view", clientEventId, courseId: DEMO_COURSE_ID });
    const second = await student.recordActivity({ type: "course_view", clientEventId, courseId: DEMO_COURSE_ID });

    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ activityId: first.activityId, duplicate: true });
    const { days } = await student.getHeatmap({ days: 7 });
    expect(days).toHaveLength(7);
    expect(days.at(-1)?.count).toBe(1);
    expect(await student.getStudentStats()).toMatchObject({ currentStreak: 1, totalActiveDays: 1 });
  });

  it("when an answer is submitted, then the server grades it; an unknown question is not-found", async () => {
    const student = await clientFor(id("student"));

    const graded = await student.submitAnswer({ questionId: "demo-q-true_false", attemptId: id("attempt"), answer: { value: true }, timeSpentMs: 3_000 });
    const missing = await refusal(student.submitAnswer({ questionId: id("no-such-question"), attemptId: id("attempt"), answer: { value: true }, timeSpentMs: 1 }));

    expect(graded).toMatchObject({ isCorrect: true, pointsEarned: 1, maxPoints: 1, attemptNumber: 1, duplicate: false });
    expect(callableErrorCode(missing)).toBe("not-found");
  });
});

describe("the operations callables under the official emulators", () => {
  it("when an admin flushes after a ping, then the ping is in Firestore and the sync status reports the flush", async () => {
    const uid = id("student");
    const student = await clientFor(uid);
    const operator = await clientFor(id("admin"), { admin: true });
    await student.saveProgress({ courseId: DEMO_COURSE_ID, lectureId, position: 77 });

    const flushed = await operator.flushNow();

    expect(flushed.keys).toBeGreaterThanOrEqual(1);
    const stored = await getFirestore(admin).doc(`users/${uid}/progress/${DEMO_COURSE_ID}`).get();
    expect(stored.get("watchTimes")).toEqual({ [lectureId]: 77 });
    const status = await operator.getSyncStatus();
    expect(status.writeBehind.lastFlush).toMatchObject({ trigger: "flushNow" });
  });

  it("when an admin replays dead letters and the quarantine and reconciles, then each answers its counts", async () => {
    const operator = await clientFor(id("admin"), { admin: true });

    const replayed = await operator.replayDeadLetters({ limit: 10 });
    const quarantine = await operator.replayQuarantine({ limit: 10 });
    const reconciled = await operator.reconcile({ collection: "progress", sink: "mongo", limit: 10 });

    expect(replayed).toEqual({ replayed: expect.any(Number), succeeded: expect.any(Number), failed: expect.any(Number) });
    expect(quarantine).toEqual({ replayed: 0, restored: 0, failed: 0 });
    expect(reconciled).toEqual(expect.objectContaining({ checked: expect.any(Number), missing: expect.any(Number), repaired: 0 }));
  });

  it("when a request is sent without the callable protocol's data field, then the emulator's function answers invalid-argument", async () => {
    const response = await fetch(`http://127.0.0.1:${functionsPort}/${PROJECT_ID}/us-central1/getStudentStats`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ notData: {} }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { status: string } }).error.status).toBe("INVALID_ARGUMENT");
  });
});
