/**
 * The flush under write contention (found by npm run simulate: with players completing lectures while it ran, every
 * scheduled flush failed with FAILED_PRECONDITION, because one document changed between the page's read and its
 * all-or-nothing batch, three attempts in a row, and the whole run gave up), and the flush lock when Redis answers
 * too late (found by npm run simulate: a lock SET that timed out but was applied blocked flushNow for 5 minutes).
 * On a stack of this file's own, so that each flush report counts this file's keys alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../../scripts/stack/index.ts";
import { firestore } from "../../src/adapters/firestore.js";
import { hashFromReply } from "../../src/adapters/upstash.js";
import { FLUSH_LOCK_KEY, flushProgress, type FlushCache, type FlushStore } from "../../src/progress/flush.js";
import { flushDeps, writeDirect } from "../../src/progress/functions.js";
import { dirtyKey, progressKey } from "../../src/progress/layout.js";
import { recordPing } from "../../src/progress/ping.js";
import { windowOf } from "../../src/progress/window.js";
import { stackRedis } from "../helpers/counting.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { createCourse, flushWhenFree } from "../helpers/progress.js";
import { uniqueId } from "../helpers/stack.js";

const FIVE_MIN = 300_000;
const USERS = 20;

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("the flush when a document keeps changing under it", () => {
  it(`when one of ${USERS} documents changes between every read and commit, then the other ${USERS - 1} are written and drained, and that one stays dirty for the next run`, async () => {
    const { courseId, lectureIds } = await createCourse(2);
    const lectureId = lectureIds[0] as string;
    const db = await firestore();
    const uids = Array.from({ length: USERS }, () => uniqueId("stu"));
    const contended = uids[0] as string;
    const window = windowOf(Date.now(), FIVE_MIN) - 2;
    for (const [n, uid] of uids.entries()) {
      // Existing documents: the flush writes them with an update-time precondition.
      await db.doc(`users/${uid}/progress/${courseId}`).set({ watchTimes: {} });
      await recordPing({ cache: stackRedis(), writeDirect, windowMs: FIVE_MIN, now: () => window * FIVE_MIN + 1_000 }, uid, {
        courseId,
        lectureId,
        position: 10 + n,
      });
    }

    const base = await flushDeps();
    let interference = 0;
    // A concurrent writer (a completion, a degraded ping) touches the contended document after every read of it.
    const contendedStore: FlushStore = {
      ...base.store,
      async read(refs) {
        const stored = await base.store.read(refs);
        if (refs.some((ref) => ref.uid === contended)) {
          await db.doc(`users/${contended}/progress/${courseId}`).set({ touched: ++interference }, { merge: true });
        }
        return stored;
      },
    };
    const first = await flushWhenFree({ ...base, store: contendedStore, windowMs: FIVE_MIN });

    expect(first).toMatchObject({ keys: USERS, writes: USERS - 1, failedKeys: 1, remainingDirty: 1 });
    expect(interference).toBeGreaterThan(1); // the contended key was retried on its own
    const positions = async () =>
      Promise.all(uids.map(async (uid) => (await db.doc(`users/${uid}/progress/${courseId}`).get()).get("watchTimes") as Record<string, number>));
    expect(await positions()).toEqual(uids.map((_, n) => (n === 0 ? {} : { [lectureId]: 10 + n })));
    const redis = stackRedis();
    expect(await redis.smembers(dirtyKey(window))).toEqual([progressKey(contended, courseId)]);
    expect(hashFromReply(await redis.hgetall(progressKey(uids[1] as string, courseId)))).toEqual({});

    const second = await flushWhenFree({ ...base, windowMs: FIVE_MIN });

    expect(second).toMatchObject({ keys: 1, writes: 1, failedKeys: 0, remainingDirty: 0 });
    expect((await positions())[0]).toEqual({ [lectureId]: 10 });
  }, 60_000);
});

describe("the flush lock when Redis answers too late", () => {
  it("when the lock's SET is applied but its answer times out, then the run fails and leaves the lock free for the next", async () => {
    const base = await flushDeps();
    const lateCache = new Proxy(base.cache, {
      get(target, property, receiver) {
        if (property !== "set") return Reflect.get(target, property, receiver) as unknown;
        return async (...args: Parameters<FlushCache["set"]>) => {
          await target.set(...args);
          throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
        };
      },
    });

    await expect(flushProgress({ ...base, cache: lateCache as FlushCache, windowMs: FIVE_MIN })).rejects.toThrow(/timeout/);

    expect(await stackRedis().get(FLUSH_LOCK_KEY)).toBeNull();
    await expect(flushProgress({ ...base, windowMs: FIVE_MIN })).resolves.toMatchObject({ failedKeys: 0 });
  }, 30_000);
});
