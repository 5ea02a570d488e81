/**
 * The flush under write contention (found by npm run simulate: with players completing lectures while it ran, every
 * scheduled flush failed with FAILED_PRECONDITION, because one document changed between the page's read and its
 * all-or-nothing batch, three attempts in a row, and the whole run gave up), and the flush lock when Redis answers
 * too late (found by npm run simulate: a lock SET that timed out but was applied blocked flushNow for 5 minutes).
 * Also the pages a part's worker has in flight at once. On a stack of this file's own, so that each flush report
 * counts this file's keys alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { firestore } from "../../src/adapters/firestore.js";
import { hashFromReply } from "../../src/adapters/upstash.js";
import { flushAll, FLUSH_KEYS_PER_SECOND_PER_WORKER, FLUSH_PAGE_SIZE, FLUSH_PAGES_IN_FLIGHT, flushLockKey, flushPart } from "../../src/progress/flush.js";
import type { FlushCache, FlushStore } from "../../src/progress/flush-ports.js";
import { flushDeps, writeDirect } from "../../src/progress/functions.js";
import { bufferKey, partitionOf, pingFields } from "../../src/progress/layout.js";
import { recordPing } from "../../src/progress/ping.js";
import { parseProgressDoc } from "../../src/progress/store.js";
import { windowOf } from "../../src/progress/window.js";
import { bufferKeys, stackRedis, userRedis } from "../helpers/counting.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { createCourse, FIVE_MIN, flushWhenFree } from "../helpers/progress.js";
import { uniqueId } from "../helpers/stack.js";

const USERS = 20;

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack();
});
afterAll(async () => {
  await stack?.stop();
}, 300_000); // a hang's limit: stopping waits for the stack's work in flight, over 60 s on a loaded machine

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
      await recordPing({ cache: userRedis(uid), writeDirect, windowMs: FIVE_MIN, now: () => window * FIVE_MIN + 1_000 }, uid, {
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
    expect(await bufferKeys(redis)).toEqual([bufferKey(contended, courseId)]);
    expect(hashFromReply(await redis.hgetall(bufferKey(uids[1] as string, courseId)))).toEqual({});

    const second = await flushWhenFree({ ...base, windowMs: FIVE_MIN });

    expect(second).toMatchObject({ keys: 1, writes: 1, failedKeys: 0, remainingDirty: 0 });
    expect((await positions())[0]).toEqual({ [lectureId]: 10 });
  }, 300_000);
});

describe("the flush lock when Redis answers too late", () => {
  it("when a part's lock SET is applied but its answer times out, then the part fails and leaves the lock free for the next", async () => {
    const base = await flushDeps();
    const lateCache = new Proxy(base.caches[0] as FlushCache, {
      get(target, property, receiver) {
        if (property !== "set") return Reflect.get(target, property, receiver) as unknown;
        return async (...args: Parameters<FlushCache["set"]>) => {
          await target.set(...args);
          throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
        };
      },
    });
    const part = { shard: 0, part: 3 };

    await expect(flushPart({ ...base, caches: [lateCache as FlushCache], windowMs: FIVE_MIN }, part, { runId: "late" })).rejects.toThrow(/timeout/);

    expect(await stackRedis().get(flushLockKey(3))).toBeNull();
    await expect(flushPart({ ...base, windowMs: FIVE_MIN }, part, { runId: "after" })).resolves.toMatchObject({ failedKeys: 0 });
  });
});

describe("a part's pages: in flight and paced", () => {
  const PART = { shard: 0, part: 5 };

  /** `keys` keys of PART in one closed window, each with a position; answers a course for them and the uids. */
  async function seedPart(keys: number): Promise<{ courseId: string; uids: string[] }> {
    const { courseId, lectureIds } = await createCourse(1);
    const window = windowOf(Date.now(), FIVE_MIN) - 3;
    const uids: string[] = [];
    while (uids.length < keys) {
      const uid = uniqueId("page");
      if (partitionOf(uid) === PART.part) uids.push(uid);
    }
    const pipeline = stackRedis().pipeline();
    for (const uid of uids) {
      pipeline.hset(bufferKey(uid, courseId), pingFields(window, { lectureId: lectureIds[0] as string, position: 7, atMs: window * FIVE_MIN + 1 }));
    }
    await pipeline.exec();
    return { courseId, uids };
  }

  /**
   * The flush's store, with the most batches it ever had uncommitted at once; `fail` rejects a page's commit, and each
   * commit takes `commitMs` (Firestore's latency).
   */
  async function watchedStore(fail?: (writes: number) => boolean, commitMs = 50) {
    const base = await flushDeps();
    let open = 0;
    const seen = { most: 0, commits: 0 };
    const store: FlushStore = {
      ...base.store,
      async write(writes) {
        seen.most = Math.max(seen.most, ++open);
        try {
          await new Promise((resolve) => setTimeout(resolve, commitMs));
          // As Firestore fails when it is out of reach: a gRPC status (UNAVAILABLE), not a bare Error.
          if (fail?.(seen.commits++)) throw Object.assign(new Error("14 UNAVAILABLE: Firestore is failing"), { code: 14 });
          return await base.store.write(writes);
        } finally {
          open--;
        }
      },
    };
    return { deps: { ...base, store, windowMs: FIVE_MIN }, seen };
  }

  const KEYS = FLUSH_PAGE_SIZE * 2 + 100;
  const partKeys = () => bufferKeys(stackRedis(), PART.part);

  it(`when a part holds ${KEYS} keys and a commit takes longer than the worker's pace, then ${FLUSH_PAGES_IN_FLIGHT} pages are written at once and every key is drained`, async () => {
    await seedPart(KEYS);
    // A page is due every FLUSH_PAGE_SIZE / FLUSH_KEYS_PER_SECOND_PER_WORKER seconds; a slower commit overlaps the next.
    const { deps, seen } = await watchedStore(undefined, ((FLUSH_PAGE_SIZE / FLUSH_KEYS_PER_SECOND_PER_WORKER) * 1_000 * 3) / 2);

    const run = await flushPart(deps, PART, { runId: "pages" });

    expect(run).toMatchObject({ keys: KEYS, writes: KEYS, failedKeys: 0, complete: true });
    expect(seen.most).toBe(FLUSH_PAGES_IN_FLIGHT);
    expect(await partKeys()).toEqual([]);
  }, 300_000);

  it(`when a part holds ${KEYS} keys and Firestore answers at once, then the worker still writes no faster than ${FLUSH_KEYS_PER_SECOND_PER_WORKER} keys/s`, async () => {
    await seedPart(KEYS);
    const { deps } = await watchedStore(undefined, 0);

    const run = await flushPart(deps, PART, { runId: "paced" });

    // The last page starts once the keys before it are due: (KEYS - its size) / rate seconds after the start.
    const lastPageStart = ((KEYS - (KEYS % FLUSH_PAGE_SIZE || FLUSH_PAGE_SIZE)) / FLUSH_KEYS_PER_SECOND_PER_WORKER) * 1_000;
    expect(run).toMatchObject({ keys: KEYS, failedKeys: 0 });
    expect(run.durationMs).toBeGreaterThanOrEqual(lastPageStart - 20);
  }, 300_000);

  it("when one worker flushes many small parts one after another, then it keeps its pace across them", async () => {
    const keys = 2_500;
    const { courseId, lectureIds } = await createCourse(1);
    const window = windowOf(Date.now(), FIVE_MIN) - 3;
    const pipeline = stackRedis().pipeline();
    for (let k = 0; k < keys; k++) {
      pipeline.hset(bufferKey(uniqueId("many"), courseId), pingFields(window, { lectureId: lectureIds[0] as string, position: 3, atMs: window * FIVE_MIN + 1 }));
    }
    await pipeline.exec();
    // A Firestore port that answers at once, so that only the pace can make the run slow.
    const base = await flushDeps();
    const instant: FlushStore = { ...base.store, read: async (refs) => refs.map(() => ({ doc: parseProgressDoc({}), version: undefined })), write: async () => 1 };
    const deps = { ...base, store: instant, windowMs: FIVE_MIN };

    const run = await flushAll(deps, [0], { concurrency: 1 });

    // 16 parts of ~156 keys: no part is big enough to be paced alone; the worker's pace spans them.
    expect(run).toMatchObject({ keys, failedKeys: 0 });
    expect(run.durationMs).toBeGreaterThanOrEqual(((keys - FLUSH_PAGE_SIZE) / FLUSH_KEYS_PER_SECOND_PER_WORKER) * 1_000 - 20);
  }, 300_000);

  it("when maxKeys is less than the part holds, then the run starts no page past it and the rest stay buffered", async () => {
    await seedPart(KEYS);
    const { deps } = await watchedStore();
    const maxKeys = FLUSH_PAGE_SIZE + 200;

    const run = await flushPart(deps, PART, { runId: "max", maxKeys });

    expect(run).toMatchObject({ keys: maxKeys, complete: false });
    expect((await partKeys()).length).toBe(KEYS - maxKeys);
    await flushPart(deps, PART, { runId: "rest" });
    expect(await partKeys()).toEqual([]);
  }, 300_000);

  it("when Firestore fails after a page's commit, then the part fails once the pages in flight settle, and only the committed page is drained", async () => {
    const { courseId, uids } = await seedPart(KEYS);
    const { deps } = await watchedStore((commit) => commit >= 1);

    await expect(flushPart(deps, PART, { runId: "failing" })).rejects.toThrow("Firestore is failing");

    const left = (await partKeys()).length;
    const db = await firestore();
    const stored = (await db.getAll(...uids.map((uid) => db.doc(`users/${uid}/progress/${courseId}`)))).filter((doc) => doc.exists).length;
    expect(stored).toBe(FLUSH_PAGE_SIZE);
    expect(left).toBe(KEYS - stored);
    const rerun = await flushPart((await watchedStore()).deps, PART, { runId: "rerun" });
    expect(rerun).toMatchObject({ keys: left, failedKeys: 0, complete: true });
    expect(await partKeys()).toEqual([]);
  }, 300_000);
});
