/**
 * One smoke test per registered function through firebase-functions-test (STYLE rule 12): the export is the kind of
 * function it should be, wired to its handler. Handler behaviour is tested by calling the handlers themselves.
 */
import functionsTest from "firebase-functions-test";
import { afterAll, describe, expect, it } from "vitest";
import * as functions from "../src/index.js";
import { DELIVERY_RETRY } from "../src/sync/delivery-tasks.js";
import { uniqueId } from "./helpers/stack.js";

const testEnv = functionsTest({ projectId: process.env["GCLOUD_PROJECT"] ?? "demo-learnpulse" });
afterAll(() => testEnv.cleanup());

type Wrappable = Parameters<typeof testEnv.wrap>[0];

const callAs = (fn: unknown, data: unknown, claims: Record<string, unknown> = {}) => {
  const uid = uniqueId("smoke");
  const wrapped = testEnv.wrap(fn as Wrappable) as unknown as (request: unknown) => Promise<unknown>;
  return wrapped({ data, auth: { uid, token: { uid, ...claims } } });
};

describe("registered functions (firebase-functions-test)", () => {
  it("getStudentStats answers a new user's zeros", async () => {
    await expect(callAs(functions.getStudentStats, {})).resolves.toMatchObject({ currentStreak: 0, totalActiveDays: 0 });
  });

  it("saveProgress acknowledges a ping", async () => {
    await expect(callAs(functions.saveProgress, { courseId: "smoke", lectureId: "l1", position: 1 })).resolves.toEqual({ message: "synced" });
  });

  it("getProgress refuses an unknown course with not-found", async () => {
    await expect(callAs(functions.getProgress, { courseId: uniqueId("nocourse") })).rejects.toMatchObject({ code: "not-found" });
  });

  it("getCourseProgress answers an empty list for a new user", async () => {
    await expect(callAs(functions.getCourseProgress, {})).resolves.toEqual({ courses: [] });
  });

  it("completeLecture refuses an unknown course with not-found", async () => {
    await expect(callAs(functions.completeLecture, { courseId: uniqueId("nocourse"), lectureId: "l1" })).rejects.toMatchObject({ code: "not-found" });
  });

  it("flushNow refuses a caller without the admin claim", async () => {
    await expect(callAs(functions.flushNow, {})).rejects.toMatchObject({ code: "permission-denied" });
  });

  it("flushProgress is a schedule on FLUSH_SCHEDULE whose run completes", async () => {
    expect(functions.flushProgress.__endpoint.scheduleTrigger).toMatchObject({ schedule: "every 5 minutes" });
    await expect(functions.flushProgress.run({ scheduleTime: new Date().toISOString(), jobName: "smoke" } as never)).resolves.toBeUndefined();
  });

  it("flushPartition is a task queue function whose run flushes its part", async () => {
    expect(functions.flushPartition.__endpoint.taskQueueTrigger).toMatchObject({ retryConfig: { maxAttempts: 10 } });
    const request = { data: { shard: 0, part: 15, runId: `r${Date.now()}` }, retryCount: 0, executionCount: 0, queueName: "flushPartition", id: "smoke" };
    await expect(functions.flushPartition.run(request as never)).resolves.toBeUndefined();
  });

  it("recordActivity records a login", async () => {
    await expect(callAs(functions.recordActivity, { type: "login", clientEventId: "smoke" })).resolves.toMatchObject({ duplicate: false });
  });

  it("getHeatmap answers the asked number of days", async () => {
    expect(((await callAs(functions.getHeatmap, { days: 7 })) as { days: unknown[] }).days).toHaveLength(7);
  });

  it("submitAnswer refuses an unknown question with not-found", async () => {
    await expect(callAs(functions.submitAnswer, { questionId: uniqueId("noq"), attemptId: "a1", answer: {}, timeSpentMs: 1 })).rejects.toMatchObject({
      code: "not-found",
    });
  });

  it("replayDeadLetters refuses a caller without the admin claim and answers counts to an admin", async () => {
    await expect(callAs(functions.replayDeadLetters, {})).rejects.toMatchObject({ code: "permission-denied" });
    await expect(callAs(functions.replayDeadLetters, { limit: 1, sink: "mongo" }, { admin: true })).resolves.toMatchObject({ replayed: expect.any(Number) });
  });

  it.each(["deliverBigQuery", "deliverMongo", "deliverCosmos"] as const)("%s is a task queue function that refuses a task that is not a change", async (name) => {
    expect(functions[name].__endpoint.taskQueueTrigger).toMatchObject({ retryConfig: { maxAttempts: DELIVERY_RETRY.maxAttempts } });
    const request = { data: { nothing: true }, retryCount: 0, executionCount: 0, queueName: name, id: "smoke" };
    await expect(functions[name].run(request as never)).resolves.toBeUndefined();
  });

  it.each([
    ["mirrorUsers", "users/{uid}"],
    ["mirrorProgress", "users/{uid}/progress/{courseId}"],
    ["mirrorActivityDays", "users/{uid}/activityDays/{date}"],
    ["mirrorCompetencies", "users/{uid}/competencies/{competencyId}"],
    ["mirrorActivities", "activities/{activityId}"],
    ["mirrorAnswers", "answers/{answerId}"],
  ] as const)("%s is an onDocumentWritten trigger on %s, retried when it fails", (name, document) => {
    expect(functions[name].__endpoint.eventTrigger).toMatchObject({
      eventType: "google.cloud.firestore.document.v1.written",
      eventFilterPathPatterns: { document },
      retry: true,
    });
  });

  it("getSyncStatus answers an admin the migration phase", async () => {
    await expect(callAs(functions.getSyncStatus, {})).rejects.toMatchObject({ code: "permission-denied" });
    await expect(callAs(functions.getSyncStatus, {}, { admin: true })).resolves.toMatchObject({ migrationPhase: "dual_write" });
  });

  it("reconcile refuses a caller without the admin claim", async () => {
    await expect(callAs(functions.reconcile, { collection: "answers", sink: "mongo" })).rejects.toMatchObject({ code: "permission-denied" });
  });

  it("reconcileDaily is a schedule every 24 hours", () => {
    expect(functions.reconcileDaily.__endpoint.scheduleTrigger).toMatchObject({ schedule: "every 24 hours" });
  });

  it("countLectures is a Firestore trigger on courses/{courseId}/lectures/{lectureId}", () => {
    expect(functions.countLectures.__endpoint.eventTrigger).toMatchObject({
      eventType: "google.cloud.firestore.document.v1.written",
      eventFilterPathPatterns: { document: "courses/{courseId}/lectures/{lectureId}" },
    });
  });
});
