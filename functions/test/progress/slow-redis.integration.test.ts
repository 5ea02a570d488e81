/**
 * Upstash answering slower than a ping may wait. On a stack of this file's own, its functions reaching Redis through
 * a front that can hold every request back, so that Redis applies it after the client has given up:
 * - flushNow must still drain (found by npm run fuzz on a busy machine: the flush's pipelines timed out at the
 *   ping's 500 ms and flushNow answered INTERNAL);
 * - a ping that Redis does not answer in time is shed (resource-exhausted with retryAfterMs), not written to Firestore:
 *   a saturated Upstash answers slowly, and a Firestore transaction per ping would deepen the overload;
 * - its HSET, applied after the client gave up, is harmless: it neither hides nor overwrites a newer ping.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_UPSTASH_TIMEOUT_MS as REDIS_TIMEOUT_MS } from "../../src/config.js";
import type { Stack } from "@learnpulse/local-stack";
import { seedDemoCatalogue } from "@learnpulse/local-stack";
import { firestore } from "../../src/adapters/firestore.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { startRedisFront, type RedisFront } from "../helpers/redis-front.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

/** Longer than a ping waits for Redis, far shorter than a flush may take. */
const DELAY_MS = REDIS_TIMEOUT_MS + 400;

let stack: Stack;
let front: RedisFront;
let slow = false;
/** How long the front holds a request while `slow`. */
let holdMs = DELAY_MS;
beforeAll(async () => {
  stack = await startOwnStack({ UPSTASH_TIMEOUT_MS: String(REDIS_TIMEOUT_MS) });
  front = await startRedisFront(stack.redis.restUrl, () => (slow ? { kind: "hold", ms: holdMs } : { kind: "pass" }));
  // Before the functions create their Redis clients (on first use), point them at the front.
  process.env["UPSTASH_REDIS_REST_URL"] = front.url;
  await seedDemoCatalogue((await firestore()) as unknown as Parameters<typeof seedDemoCatalogue>[0]);
});
afterAll(async () => {
  await front?.close();
  await stack?.stop();
});

describe("flushNow with a slow Redis", () => {
  it(`when every Redis answer comes ${DELAY_MS} ms late, then flushNow still drains the pings into Firestore`, async () => {
    const uid = uniqueId("stu");
    const ping = await callFunction("saveProgress", { courseId: "demo-course", lectureId: "demo-lecture-2", position: 42 }, { uid });
    expect(ping.body).toEqual({ result: { message: "synced" } });

    slow = true;
    try {
      const flush = await callFunction("flushNow", {}, { claims: { admin: true } });
      expect(flush.body.error).toBeUndefined();
      expect(flush.body.result).toMatchObject({ keys: 1, writes: 1 });
    } finally {
      slow = false;
    }
    const stored = await (await firestore()).doc(`users/${uid}/progress/demo-course`).get();
    expect(stored.get("watchTimes")).toEqual({ "demo-lecture-2": 42 });
  }, 60_000);
});

/** saveProgress for `uid` on a demo lecture: its answer. */
function ping(uid: string, lectureId: string, position: number) {
  return callFunction("saveProgress", { courseId: "demo-course", lectureId, position }, { uid });
}

/** Sends a ping while the front holds Redis requests for `holdMs`, then lets requests through again. */
async function pingWhileHeld(uid: string, lectureId: string, position: number, holdFor: number) {
  slow = true;
  holdMs = holdFor;
  try {
    return await ping(uid, lectureId, position);
  } finally {
    slow = false;
    holdMs = DELAY_MS;
  }
}

/** flushNow, then the watch times Firestore holds for `uid`. */
async function flushedWatchTimes(uid: string): Promise<unknown> {
  const flush = await callFunction("flushNow", {}, { claims: { admin: true } });
  expect(flush.body.error).toBeUndefined();
  return (await (await firestore()).doc(`users/${uid}/progress/demo-course`).get()).get("watchTimes");
}

describe("a ping Redis does not answer in time", () => {
  it("when Redis answers after the ping's deadline, then the ping is shed with retryAfterMs and nothing is written to Firestore", async () => {
    const uid = uniqueId("stu");
    const writesBefore = stack.firestore?.stats().writes ?? 0;

    const shed = await pingWhileHeld(uid, "demo-lecture-1", 10, DELAY_MS);

    expect(shed.body.error).toMatchObject({ status: "RESOURCE_EXHAUSTED", details: { retryAfterMs: expect.any(Number) } });
    expect(stack.firestore?.stats().writes ?? 0).toBe(writesBefore);
    expect((await (await firestore()).doc(`users/${uid}/progress/demo-course`).get()).exists).toBe(false);
  }, 60_000);

  it("when the shed ping's HSET lands late, then the window's next ping and the flush still end with the newest position", async () => {
    const uid = uniqueId("stu");
    expect((await pingWhileHeld(uid, "demo-lecture-1", 10, DELAY_MS)).body.error?.status).toBe("RESOURCE_EXHAUSTED");
    await new Promise((resolve) => setTimeout(resolve, DELAY_MS + 200)); // the held HSET has reached Redis
    expect((await ping(uid, "demo-lecture-1", 15)).body).toEqual({ result: { message: "synced" } });

    expect(await flushedWatchTimes(uid)).toEqual({ "demo-lecture-1": 15 });
  }, 60_000);

  it("when a shed ping's HSET lands after the next ping's, then Firestore still ends with the newer position", async () => {
    const uid = uniqueId("stu");
    expect((await pingWhileHeld(uid, "demo-lecture-3", 20, 3_000)).body.error?.status).toBe("RESOURCE_EXHAUSTED"); // its HSET still held
    expect((await ping(uid, "demo-lecture-3", 25)).body).toEqual({ result: { message: "synced" } });
    await new Promise((resolve) => setTimeout(resolve, 3_500)); // the held HSET has reached Redis, after the newer ping

    expect(await flushedWatchTimes(uid)).toEqual({ "demo-lecture-3": 25 });
  }, 60_000);
});
