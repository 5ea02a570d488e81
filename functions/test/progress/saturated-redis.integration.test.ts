/**
 * Upstash over its command rate answers slowly rather than refusing (the stand-in enforces the rate as Upstash does,
 * here lowered to 50 commands/s): pings it cannot take in time are shed with `resource-exhausted` and `retryAfterMs`,
 * and nothing goes to Firestore for them, so a saturated buffer does not turn into a Firestore transaction per ping.
 * The rate is set far below the pings' so that they exceed it however fast this machine sends them.
 * Sent again later, as the ProgressTracker does, they land, and nothing acknowledged is lost. On a stack of this file's
 * own: its Redis is the slow one.
 */
import { DEFAULT_UPSTASH_TIMEOUT_MS } from "../../src/config.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { firestore } from "../../src/adapters/firestore.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { createCourse } from "../helpers/progress.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

const RATE = 50;
const PLAYERS = 300;

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack({ UPSTASH_TIMEOUT_MS: String(DEFAULT_UPSTASH_TIMEOUT_MS) }, { redisCommandsPerSecond: RATE });
});
afterAll(async () => {
  await stack?.stop();
});

describe("pings when Upstash is over its command rate", () => {
  it(`when ${PLAYERS} players ping at once against ${RATE} commands/s, then the pings past the rate are shed, none reaches Firestore, and sent again they all land`, async () => {
    const { courseId, lectureIds } = await createCourse(1);
    const lectureId = lectureIds[0] as string;
    const uids = Array.from({ length: PLAYERS }, () => uniqueId("busy"));
    const ping = (uid: string, position: number) => callFunction("saveProgress", { courseId, lectureId, position }, { uid });
    await stack.triggers.idle(); // the course's own writes (its lecture count) are done
    const writesBefore = stack.firestore?.stats().writes ?? 0;

    const answers = await Promise.all(uids.map((uid, n) => ping(uid, n + 1)));

    const shed = uids.filter((_, n) => answers[n]?.body.error);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed.length).toBeLessThan(PLAYERS);
    for (const answer of answers.filter((a) => a.body.error)) {
      expect(answer.body.error).toMatchObject({ status: "RESOURCE_EXHAUSTED", details: { retryAfterMs: expect.any(Number) } });
    }
    expect(stack.firestore?.stats().writes ?? 0).toBe(writesBefore); // no degraded write, no completion
    expect(stack.redis.throttled().requests).toBeGreaterThan(0);

    // The shed players send their pings again, as the tracker does: after retryAfterMs, and again while shed.
    await new Promise((resolve) => setTimeout(resolve, (PLAYERS / RATE) * 1_000));
    for (const uid of shed) {
      for (let tries = 1; ; tries++) {
        const again = await ping(uid, uids.indexOf(uid) + 1);
        if (!again.body.error) break;
        expect(again.body.error.status).toBe("RESOURCE_EXHAUSTED");
        expect(tries).toBeLessThan(20);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000 / RATE)); // one player's share of the rate
    }

    const flushed = await callFunction("flushNow", {}, { claims: { admin: true } });
    expect(flushed.body.error).toBeUndefined();
    const db = await firestore();
    const stored = await db.getAll(...uids.map((uid) => db.doc(`users/${uid}/progress/${courseId}`)));
    expect(stored.map((doc) => doc.get(`watchTimes.${lectureId}`))).toEqual(uids.map((_, n) => n + 1));
  }, 120_000);
});
