/**
 * Upstash answering slower than a ping may wait. On a stack of this file's own, its functions reaching Redis through
 * a front that can hold every request back, so that Redis applies it after the client has given up:
 * - flushNow must still drain (found by npm run fuzz on a busy machine: the flush's pipelines timed out at the
 *   ping's 500 ms and flushNow answered INTERNAL);
 * - a ping whose HSET timed out but was applied must not orphan its window (found by npm run simulate: the next
 *   ping of that window saw its fields exist, took the key for marked, and its acknowledged position never reached
 *   Firestore).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_TIMEOUT_MS } from "../../src/adapters/upstash.js";
import type { Stack } from "@learnpulse/local-stack";
import { seedDemoCatalogue } from "@learnpulse/local-stack";
import { firestore } from "../../src/adapters/firestore.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

/** Longer than a ping waits for Redis, far shorter than a flush may take. */
const DELAY_MS = REDIS_TIMEOUT_MS + 400;

let stack: Stack;
let front: Server;
let slow = false;
/** How long the front holds a request while `slow`. */
let holdMs = DELAY_MS;
beforeAll(async () => {
  stack = await startOwnStack();
  const bridge = stack.redis.restUrl;
  front = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (slow) await new Promise((resolve) => setTimeout(resolve, holdMs));
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !["host", "connection", "content-length"].includes(name))) as Record<string, string>;
    const answer = await fetch(`${bridge}${req.url}`, { method: req.method ?? "POST", headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" }).end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  // Before the functions create their Redis clients (on first use), point them at the front.
  process.env["UPSTASH_REDIS_REST_URL"] = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  await seedDemoCatalogue((await firestore()) as unknown as Parameters<typeof seedDemoCatalogue>[0]);
});
afterAll(async () => {
  await new Promise<void>((resolve) => front?.close(() => resolve()));
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

/** saveProgress for `uid` on a demo lecture, answered `synced` (buffered or degraded alike). */
async function pingSynced(uid: string, lectureId: string, position: number): Promise<void> {
  const answer = await callFunction("saveProgress", { courseId: "demo-course", lectureId, position }, { uid });
  expect(answer.body).toEqual({ result: { message: "synced" } });
}

/** Sends the first ping while the front holds Redis requests for `holdMs`, then lets requests through again. */
async function pingWhileHeld(uid: string, lectureId: string, position: number, holdFor: number): Promise<void> {
  slow = true;
  holdMs = holdFor;
  try {
    await pingSynced(uid, lectureId, position);
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

describe("a ping whose HSET Redis applies after the client gave up", () => {
  it("when the first ping of a window degrades but lands in Redis late, then the window's next ping still reaches Firestore", async () => {
    const uid = uniqueId("stu");
    await pingWhileHeld(uid, "demo-lecture-1", 10, DELAY_MS); // degraded: written to Firestore
    await new Promise((resolve) => setTimeout(resolve, DELAY_MS + 200)); // the held HSET has reached Redis
    await pingSynced(uid, "demo-lecture-1", 15); // buffered: its fields already exist
    const db = await firestore();
    const records = () => db.collection("_sync/writeBehind/unmarked").where("uid", "==", uid).get();
    expect((await records()).size).toBe(1); // the degraded ping's record of a possibly unmarked key

    expect(await flushedWatchTimes(uid)).toEqual({ "demo-lecture-1": 15 });
    expect((await records()).size).toBe(0); // marked, and forgotten
  }, 60_000);
});

describe("a ping whose HSET Redis applies after a newer ping's", () => {
  it("when a degraded ping's HSET lands after the next ping's, then Firestore still ends with the newer position", async () => {
    const uid = uniqueId("stu");
    await pingWhileHeld(uid, "demo-lecture-3", 20, 3_000); // degraded; its HSET still held
    await pingSynced(uid, "demo-lecture-3", 25); // buffered before the held HSET lands
    await new Promise((resolve) => setTimeout(resolve, 3_500)); // the held HSET has reached Redis, over the newer ping

    expect(await flushedWatchTimes(uid)).toEqual({ "demo-lecture-3": 25 });
  }, 60_000);
});
