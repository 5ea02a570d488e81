/**
 * The task queues driven as product code drives Cloud Tasks: firebase-admin's `getFunctions().taskQueue(name)`
 * enqueues, and real `onTaskDispatched` functions (the functions codebase's firebase-functions) handle the attempts.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { functionsSdk, harness, recorder, type Harness } from "./testing.ts";

const { onTaskDispatched, HttpsError } = functionsSdk;
/** firebase-admin names this account in each task's oidcToken; the queue's Authorization header carries it. */
const SERVICE_ACCOUNT = "tasks-test@demo-tasks.iam.gserviceaccount.com";
// As deployed, not as under the Functions emulator: the handler then reads the Authorization header the queue attaches.
delete process.env["FUNCTIONS_EMULATOR"];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fail = () => {
  throw new HttpsError("internal", "planned failure"); // firebase-functions answers 500
};
let running: Harness[] = [];

async function start(functions: Parameters<typeof harness>[0], backoffScale?: number): Promise<Harness> {
  const started = await harness(functions, { app: { projectId: "demo-tasks", serviceAccountId: SERVICE_ACCOUNT }, ...(backoffScale ? { backoffScale } : {}) });
  running.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(running.map((started) => started.stop()));
  running = [];
});

describe("task queues", () => {
  it("when a task is enqueued, then its function runs once with the data and Cloud Tasks' headers", async () => {
    const seen = recorder();
    const { tasks, queue } = await start({ recordVisit: onTaskDispatched({}, seen.handler) });

    await queue("recordVisit").enqueue({ courseId: "course-1", seconds: 42 });
    await tasks.idle();

    expect(seen.calls).toHaveLength(1);
    const { request } = seen.calls[0]!;
    expect(request.data).toEqual({ courseId: "course-1", seconds: 42 });
    expect(request).toMatchObject({ queueName: "recordVisit", retryCount: 0, executionCount: 0, id: expect.stringMatching(/^\d+$/) });
    expect(Number(request.scheduledTime)).toBeCloseTo(seen.calls[0]!.at / 1000, 0);
    expect(request.auth?.token).toMatchObject({ email: SERVICE_ACCOUNT, aud: "https://us-central1-demo-tasks.cloudfunctions.net/recordVisit" });
    expect(tasks.stats()["recordVisit"]).toEqual({
      enqueued: 1, dispatched: 1, succeeded: 1, failed: 0, retried: 0, exhausted: 0, deleted: 0, inFlight: 0, pending: 0, maxConcurrentSeen: 1,
    });
  });

  it("when a queue is named by a qualified function name, then it is the function's; another region or an unknown name is not found", async () => {
    const seen = recorder();
    const { tasks, queue } = await start({ flushPartition: onTaskDispatched({}, seen.handler) });

    await queue("locations/us-central1/functions/flushPartition").enqueue({ partition: 3 });
    const elsewhere = queue("locations/europe-west1/functions/flushPartition").enqueue({ partition: 4 });
    const unknown = queue("flushPartitions").enqueue({ partition: 5 });

    await expect(elsewhere).rejects.toMatchObject({ code: "functions/not-found" });
    await expect(unknown).rejects.toMatchObject({ code: "functions/not-found" });
    await tasks.idle();
    expect(seen.calls.map(({ request }) => request.data)).toEqual([{ partition: 3 }]);
  });

  it("when the handler fails twice, then the task is retried with growing backoff and succeeds on its third attempt", async () => {
    const seen = recorder((_request, call) => (call <= 2 ? fail() : undefined));
    // minBackoff 1 s, scaled by 0.1: retries after 100 ms, then 200 ms.
    const { tasks, queue } = await start({ flaky: onTaskDispatched({ retryConfig: { maxAttempts: 5, minBackoffSeconds: 1 } }, seen.handler) }, 0.1);

    await queue("flaky").enqueue({ n: 1 });
    await tasks.idle();

    expect(seen.calls.map(({ request }) => request.retryCount)).toEqual([0, 1, 2]);
    expect(seen.calls.map(({ request }) => request.previousResponse)).toEqual([undefined, 500, 500]);
    const [first, second, third] = seen.calls.map(({ at }) => at) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(95);
    expect(third - second).toBeGreaterThanOrEqual(195);
    expect(third - second).toBeGreaterThan(second - first);
    expect(tasks.stats()["flaky"]).toMatchObject({ dispatched: 3, failed: 2, retried: 2, succeeded: 1, exhausted: 0, pending: 0 });
  });

  it("when every attempt fails, then the task is dropped after maxAttempts and counted exhausted", async () => {
    const seen = recorder(fail);
    const { tasks, queue, log } = await start({ broken: onTaskDispatched({ retryConfig: { maxAttempts: 2, minBackoffSeconds: 1 } }, seen.handler) }, 0.01);

    await queue("broken").enqueue({ n: 1 });
    await tasks.idle();

    expect(seen.calls).toHaveLength(2);
    expect(tasks.stats()["broken"]).toMatchObject({ dispatched: 2, failed: 2, retried: 1, succeeded: 0, exhausted: 1, pending: 0, inFlight: 0 });
    expect(log.some((line) => line.includes("retries exhausted"))).toBe(true);
  });

  it("when a task id is enqueued again, while queued or after it ran, then firebase-admin rejects it with task-already-exists", async () => {
    const seen = recorder();
    const { tasks, queue } = await start({ dedupe: onTaskDispatched({}, seen.handler) });
    const id = `visit-${randomUUID()}`;

    await queue("dedupe").enqueue({ n: 1 }, { id });
    const whileQueued = queue("dedupe").enqueue({ n: 2 }, { id });
    await expect(whileQueued).rejects.toMatchObject({ code: "functions/task-already-exists" });
    await tasks.idle();
    const afterRun = queue("dedupe").enqueue({ n: 3 }, { id });

    await expect(afterRun).rejects.toMatchObject({ code: "functions/task-already-exists" });
    expect(seen.calls.map(({ request }) => [request.id, request.data])).toEqual([[id, { n: 1 }]]);
  });

  it("when a queued task is deleted, then it never runs", async () => {
    const seen = recorder();
    const { tasks, queue } = await start({ later: onTaskDispatched({}, seen.handler) });
    const id = `later-${randomUUID()}`;

    await queue("later").enqueue({ n: 1 }, { id, scheduleDelaySeconds: 60 });
    await queue("later").delete(id);
    await tasks.idle();

    expect(seen.calls).toHaveLength(0);
    expect(tasks.stats()["later"]).toMatchObject({ enqueued: 1, deleted: 1, dispatched: 0, pending: 0 });
  });

  it("when a task has a scheduleTime, then it runs no earlier, with that time as its ETA", async () => {
    const seen = recorder();
    const { tasks, queue } = await start({ scheduled: onTaskDispatched({}, seen.handler) });
    const scheduleTime = new Date(Date.now() + 600);

    await queue("scheduled").enqueue({ n: 1 }, { scheduleTime });
    const pendingBefore = tasks.stats()["scheduled"]?.pending;
    await tasks.idle();

    expect(pendingBefore).toBe(1);
    expect(seen.calls).toHaveLength(1);
    expect(seen.calls[0]!.at).toBeGreaterThanOrEqual(scheduleTime.getTime());
    expect(Number(seen.calls[0]!.request.scheduledTime)).toBeCloseTo(scheduleTime.getTime() / 1000, 3);
  });

  it("when maxConcurrentDispatches is 2, then no more than 2 attempts are ever in flight", async () => {
    let current = 0;
    let most = 0;
    const seen = recorder(async () => {
      most = Math.max(most, ++current);
      await sleep(50);
      current--;
    });
    const { tasks, queue } = await start({ narrow: onTaskDispatched({ rateLimits: { maxConcurrentDispatches: 2 } }, seen.handler) });

    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => queue("narrow").enqueue({ n })));
    await tasks.idle();

    expect(seen.calls).toHaveLength(6);
    expect(most).toBe(2);
    expect(tasks.stats()["narrow"]?.maxConcurrentSeen).toBe(2);
  });

  it("when maxDispatchesPerSecond is 5, then after a burst of one second's tokens, attempts start at 5 a second", async () => {
    const seen = recorder();
    const { tasks, queue } = await start({ metered: onTaskDispatched({ rateLimits: { maxDispatchesPerSecond: 5 } }, seen.handler) });

    await Promise.all(Array.from({ length: 10 }, (_, n) => queue("metered").enqueue({ n })));
    await tasks.idle();

    const starts = seen.calls.map(({ at }) => at).sort((a, b) => a - b);
    const first = starts[0] as number;
    expect(starts).toHaveLength(10);
    expect(starts.filter((at) => at - first < 100)).toHaveLength(5);
    // The five after the burst take a token each, one every 200 ms.
    expect((starts[9] as number) - first).toBeGreaterThanOrEqual(950);
  });
});
