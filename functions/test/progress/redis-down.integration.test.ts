/**
 * Upstash down, not merely slow: the work that cannot go without it (the flush, the merged read) answers UNAVAILABLE
 * with the cause logged, a flush task fails and Cloud Tasks retries it until Redis is back, and the ping still degrades
 * to Firestore.
 * On a stack of this file's own, since the faults would break every other file's pings and flushes on the shared one.
 */
import { DEFAULT_UPSTASH_TIMEOUT_MS } from "../../src/config.js";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { firestore } from "../../src/adapters/firestore.js";
import { capturedLogLines } from "../helpers/log-capture.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { BUFFER_PARTITIONS } from "../../src/progress/layout.js";
import { createCourse, pingInClosedWindow } from "../helpers/progress.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

const logFile = inject("functionsLogFile");
const admin = { claims: { admin: true } };

let stack: Stack;
beforeAll(async () => {
  // Task retries in milliseconds rather than the queue's 30 s and more.
  stack = await startOwnStack({ UPSTASH_TIMEOUT_MS: String(DEFAULT_UPSTASH_TIMEOUT_MS) }, { taskBackoffScale: 0.001 });
});
afterEach(() => stack.redis.fault(false));
afterAll(async () => {
  await stack?.stop();
});

/** `progress.redis_unreachable` events logged since line `from`, for this piece of work. */
function unreachableSince(from: number, during: string): Record<string, unknown>[] {
  return capturedLogLines(logFile)
    .slice(from)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry["message"] === "progress.redis_unreachable" && entry["during"] === during);
}

/** What each fault looks like to the client: a refused connection, and the 503 that Upstash answers while offline. */
const CAUSES = { refuse: /Upstash connection failed/, error: /Service Unavailable/ } as const;

describe("flushNow when Redis is down", () => {
  it.each(Object.entries(CAUSES))(
    "when Redis faults with %s, then flushNow answers UNAVAILABLE with the cause logged, and flushes the pings once Redis is back",
    async (mode, cause) => {
      const { courseId, lectureIds } = await createCourse(2);
      const lectureId = lectureIds[0] as string;
      const uid = uniqueId("stu");
      expect((await callFunction("saveProgress", { courseId, lectureId, position: 33 }, { uid })).body).toEqual({ result: { message: "synced" } });
      const logStart = capturedLogLines(logFile).length;

      stack.redis.fault(mode as "refuse" | "error");
      const refused = await callFunction("flushNow", {}, admin);
      stack.redis.fault(false);

      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ status: "UNAVAILABLE" });
      expect(unreachableSince(logStart, "flushNow")).toEqual([
        expect.objectContaining({ severity: "WARNING", error: expect.objectContaining({ message: expect.stringMatching(cause) }) }),
      ]);
      const flushed = await callFunction("flushNow", {}, admin);
      expect(flushed.body.result).toMatchObject({ keys: expect.any(Number), writes: expect.any(Number) });
      const stored = await (await firestore()).doc(`users/${uid}/progress/${courseId}`).get();
      expect(stored.get("watchTimes")).toEqual({ [lectureId]: 33 });
    },
  );
});

describe("the scheduled flush when Redis is down", () => {
  it("when Redis refuses connections, then each part's task fails with progress.redis_unreachable, and its retry flushes once Redis is back", async () => {
    const { courseId, lectureIds } = await createCourse(1);
    const lectureId = lectureIds[0] as string;
    const uid = uniqueId("stu");
    await pingInClosedWindow(uid, { courseId, lectureId, position: 21 });
    const queue = () => stack.tasks.stats()["flushPartition"] ?? { failed: 0, succeeded: 0, exhausted: 0 };
    const before = queue();
    const logStart = capturedLogLines(logFile).length;

    stack.redis.fault("refuse");
    await stack.scheduler.runNow("flushProgress");
    while (queue().failed - before.failed < BUFFER_PARTITIONS) await new Promise((resolve) => setTimeout(resolve, 20));
    stack.redis.fault(false);
    await stack.tasks.idle();

    expect(stack.scheduler.stats()["flushProgress"]?.failures ?? 0).toBe(0);
    expect(unreachableSince(logStart, "flushTask").length).toBeGreaterThanOrEqual(BUFFER_PARTITIONS);
    expect(unreachableSince(logStart, "flushTask")[0]).toMatchObject({ error: expect.objectContaining({ message: expect.stringMatching(CAUSES.refuse) }) });
    expect(queue().succeeded - before.succeeded).toBe(BUFFER_PARTITIONS);
    expect(queue().exhausted).toBe(before.exhausted);
    expect((await (await firestore()).doc(`users/${uid}/progress/${courseId}`).get()).get("watchTimes")).toEqual({ [lectureId]: 21 });
  });
});

describe("reads and pings when Redis is down", () => {
  it.each(["refuse", "error", "timeout"] as const)(
    "when Redis faults with %s, then getProgress answers UNAVAILABLE rather than an answer from Firestore alone",
    async (mode) => {
      const { courseId, lectureIds } = await createCourse(2);
      const uid = uniqueId("stu");
      await callFunction("saveProgress", { courseId, lectureId: lectureIds[0], position: 12 }, { uid }); // buffered, unflushed
      const logStart = capturedLogLines(logFile).length;

      stack.redis.fault(mode);
      const answer = await callFunction("getProgress", { courseId }, { uid });

      expect(answer.body.error).toMatchObject({ status: "UNAVAILABLE" });
      expect(unreachableSince(logStart, "getProgress")).toHaveLength(1);
    },
  );

  it("when Redis is down and a ping names a lecture that does not exist, then it is still synced and nothing is stored for it", async () => {
    const { courseId } = await createCourse(1);
    const uid = uniqueId("stu");

    stack.redis.fault("refuse");
    const ping = await callFunction("saveProgress", { courseId, lectureId: "no-such-lecture", position: 95, duration: 100, playedSegments: [[0, 95]] }, { uid });

    expect(ping.body).toEqual({ result: { message: "synced" } });
    expect((await (await firestore()).doc(`users/${uid}/progress/${courseId}`).get()).exists).toBe(false);
    expect((await (await firestore()).doc(`users/${uid}`).get()).exists).toBe(false);
  });

  it("when Redis is down, then getSyncStatus still answers, from the last flush run", async () => {
    stack.redis.fault("refuse");
    const status = await callFunction("getSyncStatus", {}, admin);

    expect(status.body.result).toMatchObject({ writeBehind: { dirtyKeys: expect.any(Number), oldestDirtyAgeSeconds: expect.any(Number) } });
  });
});
