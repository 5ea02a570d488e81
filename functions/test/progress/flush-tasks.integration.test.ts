/**
 * The flush on Cloud Tasks, through the local stack's task queues (which retry and back off as Cloud Tasks does, here
 * 1,000 times faster): the scheduled coordinator enqueues one task per part, once per scheduled event; a part whose
 * lock a dead worker still holds fails, is retried, and is finished once the lock expires; a task that is not a part
 * is acknowledged without work. On a stack of this file's own: its queue counts are its own.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { firestore, firestoreKit } from "../../src/adapters/firestore.js";
import { flushLockKey } from "../../src/progress/flush.js";
import { adminFlushQueue, enqueueFlush, flushRunPath } from "../../src/progress/flush-tasks.js";
import { runFlushPartition } from "../../src/progress/functions.js";
import { BUFFER_PARTITIONS, partitionOf } from "../../src/progress/layout.js";
import { capturedLogLines } from "../helpers/log-capture.js";
import { userRedis } from "../helpers/counting.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { createCourse, FIVE_MIN, pingInClosedWindow } from "../helpers/progress.js";
import { uniqueId } from "../helpers/stack.js";

const logFile = inject("functionsLogFile");

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack({}, { taskBackoffScale: 0.001 });
});
afterAll(async () => {
  await stack?.stop();
});

const queue = () => stack.tasks.stats()["flushPartition"] ?? { enqueued: 0, succeeded: 0, failed: 0, exhausted: 0 };

describe("the flush's task queue", () => {
  it("when one scheduled event is delivered twice, then each part is enqueued once and runs once", async () => {
    const before = queue();
    const scheduleTimeMs = Date.now();
    const first = await enqueueFlush(await firestoreKit(), await adminFlushQueue(), [0], FIVE_MIN, { scheduleTimeMs });
    const again = await enqueueFlush(await firestoreKit(), await adminFlushQueue(), [0], FIVE_MIN, { scheduleTimeMs });
    await stack.tasks.idle();

    expect(first).toMatchObject({ enqueued: BUFFER_PARTITIONS, existing: 0 });
    expect(again).toMatchObject({ runId: first.runId, enqueued: 0, existing: BUFFER_PARTITIONS });
    expect(queue().enqueued - before.enqueued).toBe(BUFFER_PARTITIONS);
    expect(queue().succeeded - before.succeeded).toBe(BUFFER_PARTITIONS);
    const run = (await (await firestore()).doc(flushRunPath(first.runId)).get()).data();
    expect(Object.keys(run?.["parts"] ?? {})).toHaveLength(BUFFER_PARTITIONS);
  });

  it("when a dead worker's lock still holds a part, then its task fails, is retried with backoff, and flushes the part once the lock expires", async () => {
    const { courseId, lectureIds } = await createCourse(1);
    const lectureId = lectureIds[0] as string;
    const uid = uniqueId("stu");
    await pingInClosedWindow(uid, { courseId, lectureId, position: 44 });
    // The dead worker's lock, 1.5 s before it expires (FLUSH_LOCK_TTL_MS is 5 minutes).
    await userRedis(uid).set(flushLockKey(partitionOf(uid)), "dead-worker", { px: 1_500 });
    const before = queue();

    await stack.scheduler.runNow("flushProgress");
    await stack.tasks.idle();

    expect(queue().failed - before.failed).toBeGreaterThanOrEqual(1);
    expect(queue().succeeded - before.succeeded).toBe(BUFFER_PARTITIONS);
    expect(queue().exhausted).toBe(before.exhausted);
    expect((await (await firestore()).doc(`users/${uid}/progress/${courseId}`).get()).get("watchTimes")).toEqual({ [lectureId]: 44 });
  });

  it("when a task does not name a part, then it is acknowledged without work and logged as refused", async () => {
    const logStart = capturedLogLines(logFile).length;

    await expect(runFlushPartition({ shard: 0, part: "../x", runId: "r1" }, 0)).resolves.toBeUndefined();

    const refused = capturedLogLines(logFile)
      .slice(logStart)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => String(entry["message"]).includes("progress.flush_task_refused"));
    expect(refused).toEqual([expect.objectContaining({ severity: "ERROR", issues: [expect.objectContaining({ path: "part" })] })]);
  });
});
