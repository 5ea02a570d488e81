/**
 * Per-user rate limits of the write callables (rate-limit.ts), over HTTP through the callable host, on a stack of
 * this file's own (helpers/own-stack.ts): its limiters start empty, and Upstash commands and Firestore operations are
 * counted exactly, as the ping's cost tests count them (functions/test/progress: 60 pings of a key in one window
 * spend HSET × 60 + SADD + EXPIRE).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { RATE_LIMITS } from "../../src/rate-limit.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { callFunction, triggersIdle, uniqueId, type CallAnswer } from "../helpers/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack();
});
afterAll(() => stack?.stop());

const limit = RATE_LIMITS.saveProgress;
const ping = (uid: string, position: number) =>
  callFunction("saveProgress", { courseId: "rl-course", lectureId: "l1", position, duration: 600, playedSegments: [[0, position + 1]] }, { uid });
const codeOf = (answer: CallAnswer) => answer.body.error?.status ?? "OK";

/** Sends `count` calls one after another; answers them and the seconds it took. */
async function inSequence(count: number, send: (i: number) => Promise<CallAnswer>): Promise<{ answers: CallAnswer[]; seconds: number }> {
  const started = performance.now();
  const answers: CallAnswer[] = [];
  for (let i = 0; i < count; i++) answers.push(await send(i));
  return { answers, seconds: (performance.now() - started) / 1000 };
}

/** What refilled while a sequence ran: at most this many calls beyond the burst may pass. */
const refilled = (seconds: number, perSecond: number) => Math.ceil(seconds * perSecond);

describe("saveProgress over HTTP", () => {
  it("when one user sends a burst of pings, then those past the limit get RESOURCE_EXHAUSTED with a retry hint, and another user is unaffected", async () => {
    const greedy = uniqueId("stu");
    const { answers, seconds } = await inSequence(limit.burst + 20, (i) => ping(greedy, i));

    const passed = answers.filter((answer) => codeOf(answer) === "OK").length;
    expect(passed).toBeGreaterThanOrEqual(limit.burst);
    expect(passed).toBeLessThanOrEqual(limit.burst + refilled(seconds, limit.perSecond));
    const refused = answers.filter((answer) => codeOf(answer) !== "OK");
    expect(refused.map(codeOf)).toEqual(refused.map(() => "RESOURCE_EXHAUSTED"));
    expect(refused.map((answer) => answer.status)).toEqual(refused.map(() => 429));
    for (const answer of refused) {
      const { retryAfterMs } = answer.body.error?.details as { retryAfterMs: number };
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(1_000 / limit.perSecond);
    }

    expect(codeOf(await ping(uniqueId("stu"), 1))).toBe("OK");
    expect(codeOf(await callFunction("recordActivity", { type: "login", clientEventId: uniqueId("ev") }, { uid: greedy }))).toBe("OK");
  });

  it("when pings are counted, then an ordinary ping costs what it did, a refused one nothing, and no Firestore operation is made", async () => {
    const uid = uniqueId("stu");
    await triggersIdle(); // earlier tests' writes stream to the sinks, whose status lands in Firestore
    const firestoreBefore = stack.firestore?.stats();
    stack.redis.resetCommands();

    const { answers } = await inSequence(limit.burst, (i) => ping(uid, i));
    expect(answers.map(codeOf)).toEqual(answers.map(() => "OK"));
    expect(stack.redis.commandCounts()).toEqual({ HSET: limit.burst });

    const refused = await inSequence(10, (i) => ping(uid, limit.burst + i));
    expect(refused.answers.filter((answer) => codeOf(answer) === "RESOURCE_EXHAUSTED").length).toBeGreaterThan(0);
    const passedLater = refused.answers.filter((answer) => codeOf(answer) === "OK").length;
    expect(stack.redis.commandCounts()).toEqual({ HSET: limit.burst + passedLater });
    expect(stack.firestore?.stats()).toEqual(firestoreBefore);
  });
});

describe("the other limited callables", () => {
  it.each(Object.entries(RATE_LIMITS).filter(([name]) => name !== "saveProgress"))(
    "when one user calls %s past its burst, then RESOURCE_EXHAUSTED (invalid payloads count too, and cost no write)",
    async (name, { burst, perSecond }) => {
      const uid = uniqueId("stu");
      const firestoreBefore = stack.firestore?.stats();
      // As a teacher: getAnalytics refuses anyone else before the limit (the claim changes nothing for the others).
      const { answers, seconds } = await inSequence(burst + 5, () => callFunction(name, { rateLimitProbe: true }, { uid, claims: { teacher: true } }));

      const passed = answers.filter((answer) => codeOf(answer) === "INVALID_ARGUMENT").length;
      expect(passed).toBeGreaterThanOrEqual(burst);
      expect(passed).toBeLessThanOrEqual(burst + refilled(seconds, perSecond));
      const refused = answers.filter((answer) => codeOf(answer) !== "INVALID_ARGUMENT");
      expect(refused.map(codeOf)).toEqual(refused.map(() => "RESOURCE_EXHAUSTED"));
      expect(stack.firestore?.stats().writes).toBe(firestoreBefore?.writes);
    },
  );

  it("when a user reads in a burst, then reads are not limited", async () => {
    const uid = uniqueId("stu");
    const { answers } = await inSequence(100, () => callFunction("getHeatmap", { days: 1 }, { uid }));
    expect(answers.map(codeOf)).toEqual(answers.map(() => "OK"));
  });
});
