/**
 * Pings for a lecture that is not in the catalogue: saveProgress buffers them without reading Firestore (a ping costs
 * one Redis command), so the flush is where a made-up course or lecture shows: it reads the course's catalogue and
 * leaves such lectures out, so that no client can grow a progress document with lectures it invents. On a stack of
 * this file's own, so that every flush report counts this file's keys alone.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { firestore } from "../../src/adapters/firestore.js";
import { hashFromReply } from "../../src/adapters/upstash.js";
import { aggregateParts, type PartSummary } from "../../src/progress/flush.js";
import { flushRunPath, WRITE_BEHIND_DOC } from "../../src/progress/flush-tasks.js";
import { bufferKey } from "../../src/progress/layout.js";
import { flushDeps } from "../../src/progress/functions.js";
import { bufferKeys, userRedis } from "../helpers/counting.js";
import { capturedLogLines } from "../helpers/log-capture.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { createCourse, flushWhenFree, pingInClosedWindow } from "../helpers/progress.js";
import { uniqueId } from "../helpers/stack.js";

const logFile = inject("functionsLogFile");

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack();
});
afterAll(async () => {
  await stack?.stop();
});
// Each test counts every key of a flush: none may be left over from another.
beforeEach(() => stack.redis.flushAll());

/** Pings `lectureId` in a closed window, 95 of its 100 s played (past the 0.9 threshold). */
const pingPastThreshold = (uid: string, courseId: string, lectureId: string) =>
  pingInClosedWindow(uid, { courseId, lectureId, position: 95, duration: 100, playedSegments: [[0, 95]] });

/**
 * Runs the scheduled flush as Cloud Scheduler would, waits for its parts' tasks, and answers the run's report
 * aggregated from the parts' (`_sync/writeBehind/runs/{runId}`).
 */
async function scheduledFlush(): Promise<Record<string, unknown>> {
  const before = stack.scheduler.stats()["flushProgress"]?.failures ?? 0;
  await stack.scheduler.runNow("flushProgress");
  expect(stack.scheduler.stats()["flushProgress"]?.failures ?? 0).toBe(before);
  await stack.tasks.idle();
  const db = await firestore();
  const runId = (await db.doc(WRITE_BEHIND_DOC).get()).get("lastRunId") as string;
  const run = (await db.doc(flushRunPath(runId)).get()).data() ?? {};
  const parts = Object.values((run["parts"] ?? {}) as Record<string, PartSummary>);
  expect(parts).toHaveLength(run["partsTotal"] as number);
  return { ...aggregateParts(parts, { nowMs: Date.now(), windowMs: 300_000, durationMs: 0 }) };
}

/** The structured events logged since line `from` with this message and these courses. */
function eventsSince(from: number, message: string, courseIds: string[]): Record<string, unknown>[] {
  return capturedLogLines(logFile)
    .slice(from)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry["message"] === message && courseIds.some((courseId) => JSON.stringify(entry).includes(courseId)));
}

describe("the flush and lectures that do not exist", () => {
  it("when pings name an unknown lecture and a lecture of an unknown course, then the first flush stores neither, drains the keys and logs once, and the second flush does nothing for them", async () => {
    const { courseId, lectureIds } = await createCourse(2);
    const unknownCourse = uniqueId("no-such-course");
    const uid = uniqueId("stu");
    await pingPastThreshold(uid, courseId, "no-such-lecture");
    await pingPastThreshold(uid, unknownCourse, "l1");
    const db = await firestore();
    const docs = () => Promise.all([courseId, unknownCourse].map((id) => db.doc(`users/${uid}/progress/${id}`).get()));
    const logStart = capturedLogLines(logFile).length;

    const first = await scheduledFlush();

    expect(first).toMatchObject({ keys: 2, writes: 0, failedKeys: 0, droppedLectures: 2, skippedCompletions: 0, remainingDirty: 0 });
    expect(await bufferKeys(userRedis(uid))).toEqual([]);
    expect((await docs()).map((doc) => doc.exists)).toEqual([false, false]);
    expect((await db.doc(`users/${uid}`).get()).exists).toBe(false); // no completion count, streak or heat-map day
    const dropped = eventsSince(logStart, "progress.lectures_dropped", [courseId, unknownCourse]);
    expect(dropped).toEqual([
      expect.objectContaining({
        trigger: "task",
        count: 2,
        lectures: expect.arrayContaining([{ courseId, lectureId: "no-such-lecture" }, { courseId: unknownCourse, lectureId: "l1" }]),
      }),
    ]);
    expect(eventsSince(logStart, "progress.completion_failed", [courseId, unknownCourse])).toEqual([]);

    const afterFirst = capturedLogLines(logFile).length;
    const second = await scheduledFlush();

    expect(second).toMatchObject({ keys: 0, writes: 0, failedKeys: 0, droppedLectures: 0, remainingDirty: 0 });
    expect(eventsSince(afterFirst, "progress.lectures_dropped", [courseId, unknownCourse])).toEqual([]);
    expect(lectureIds).toHaveLength(2);
  });

  it("when one key names a catalogued and a made-up lecture, then only the catalogued one is stored", async () => {
    const { courseId, lectureIds } = await createCourse(2);
    const lectureId = lectureIds[0] as string;
    const uid = uniqueId("stu");
    await pingPastThreshold(uid, courseId, lectureId);
    await pingPastThreshold(uid, courseId, "made-up");

    const report = await scheduledFlush();

    expect(report).toMatchObject({ keys: 1, writes: 1, droppedLectures: 1 });
    const stored = (await (await firestore()).doc(`users/${uid}/progress/${courseId}`).get()).data();
    expect(Object.keys(stored?.["watchTimes"] as object)).toEqual([lectureId]);
    expect(stored).toMatchObject({ completedLectures: [lectureId], lastWatchedLecture: lectureId });
  });

  it("when a completion fails transiently, then the key stays buffered with its fields and the next flush completes the lecture", async () => {
    const { courseId, lectureIds } = await createCourse(2);
    const lectureId = lectureIds[0] as string;
    const uid = uniqueId("stu");
    await pingPastThreshold(uid, courseId, lectureId);
    const key = bufferKey(uid, courseId);
    const deps = await flushDeps();
    const contention = Object.assign(new Error("10 ABORTED: too much contention on these documents"), { code: 10 });

    const failed = await flushWhenFree({ ...deps, complete: () => Promise.reject(contention) });

    expect(failed).toMatchObject({ keys: 1, failedKeys: 1, skippedCompletions: 0 });
    const redis = userRedis(uid);
    expect(await bufferKeys(redis)).toEqual([key]);
    expect(Object.keys(hashFromReply(await redis.hgetall(key)))).not.toEqual([]);

    const retried = await flushWhenFree(deps);

    expect(retried).toMatchObject({ keys: 1, failedKeys: 0, skippedCompletions: 0, remainingDirty: 0 });
    const stored = (await (await firestore()).doc(`users/${uid}/progress/${courseId}`).get()).data();
    expect(stored).toMatchObject({ completedLectures: [lectureId], completionPercentage: 50 });
    expect(await redis.exists(key)).toBe(0);
  });
});
