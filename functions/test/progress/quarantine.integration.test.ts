/**
 * One key whose write keeps failing never holds up the others: it is isolated within its page, counted once per run,
 * and after QUARANTINE_AFTER_RUNS runs its buffered fields move to `_sync/writeBehind/quarantine`, from where
 * replayQuarantine restores them once the cause is gone. A failure of Firestore itself still fails the run, and
 * quarantines nothing. On a stack of this file's own: its flushes and its faults are its own.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { firestore } from "../../src/adapters/firestore.js";
import { hashFromReply } from "../../src/adapters/upstash.js";
import { FAILURE_FIELD, QUARANTINE_AFTER_RUNS } from "../../src/progress/flush-page.js";
import type { FlushDeps } from "../../src/progress/flush-ports.js";
import { flushDeps } from "../../src/progress/functions.js";
import { bufferKey } from "../../src/progress/layout.js";
import { progressPath, quarantinePath } from "../../src/progress/store.js";
import { bufferKeys, userRedis } from "../helpers/counting.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { createCourse, flushWhenFree, pingInClosedWindow, uidsInOnePart } from "../helpers/progress.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

const admin = { claims: { admin: true } };

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack();
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => stack.redis.flushAll());

/** A ping of `position` in a closed window, pinged `position` ms into it: a later position is a later ping. */
const pingClosed = (uid: string, courseId: string, lectureId: string, position: number) =>
  pingInClosedWindow(uid, { courseId, lectureId, position }, position);

/** The flush's deps with Firestore refusing every write of `uid`'s document, as it refuses a document too large. */
function refusing(deps: FlushDeps, uid: string): FlushDeps {
  return {
    ...deps,
    store: {
      ...deps.store,
      write: (writes) => {
        if (writes.some((write) => write.uid === uid)) {
          return Promise.reject(Object.assign(new Error("3 INVALID_ARGUMENT: the document of this key is refused"), { code: 3 }));
        }
        return deps.store.write(writes);
      },
    },
  };
}

/** Stored positions of these users' progress in `courseId`. */
async function positions(uids: string[], courseId: string, lectureId: string): Promise<(number | undefined)[]> {
  const db = await firestore();
  return Promise.all(uids.map(async (uid) => (await db.doc(progressPath(uid, courseId)).get()).get(`watchTimes.${lectureId}`) as number | undefined));
}

describe("a key whose write keeps failing", () => {
  it.each([
    ["injected at the Firestore port", (deps: FlushDeps, uid: string) => refusing(deps, uid), async () => undefined],
    [
      "through the Firestore stand-in's document size limit",
      (deps: FlushDeps) => deps,
      async (uid: string, courseId: string) => {
        // An operator's field that leaves the document just under 1 MiB: the flush's merge takes it past the limit.
        await (await firestore()).doc(progressPath(uid, courseId)).set({ notes: "x".repeat(1_048_400) });
      },
    ],
  ] as const)("when it fails %s, then the others flush every run, it is quarantined after the runs, and replayQuarantine restores it", async (_how, depsFor, arrange) => {
    const { courseId, lectureIds } = await createCourse(1);
    const lectureId = lectureIds[0] as string;
    // Others in the bad key's part too, so that they share its pages.
    const [bad, ...inPart] = uidsInOnePart(4, "bad") as [string, ...string[]];
    const others = [...inPart, uniqueId("stu"), uniqueId("stu"), uniqueId("stu")];
    await arrange(bad, courseId);
    const redis = userRedis(bad);
    await pingClosed(bad, courseId, lectureId, 42);

    for (let run = 1; run <= QUARANTINE_AFTER_RUNS; run++) {
      for (const uid of others) await pingClosed(uid, courseId, lectureId, 10 * run);
      const report = await flushWhenFree(depsFor(await flushDeps(), bad));

      // Every ordinary user's last position is in Firestore after each run.
      expect(await positions(others, courseId, lectureId)).toEqual(others.map(() => 10 * run));
      if (run < QUARANTINE_AFTER_RUNS) {
        expect(report).toMatchObject({ failedKeys: 1, quarantinedKeys: 0 });
        expect(hashFromReply(await redis.hgetall(bufferKey(bad, courseId)))[FAILURE_FIELD]).toMatch(new RegExp(`^${run}:`));
        expect(await bufferKeys(redis)).toEqual([bufferKey(bad, courseId)]);
      } else {
        expect(report).toMatchObject({ failedKeys: 0, quarantinedKeys: 1, remainingDirty: 0 });
      }
    }

    const kept = (await (await firestore()).doc(quarantinePath(bad, courseId)).get()).data();
    expect(kept).toMatchObject({ uid: bad, courseId, failures: QUARANTINE_AFTER_RUNS, error: expect.stringMatching(/INVALID_ARGUMENT/) });
    expect(Object.keys(kept?.["fields"] as object).length).toBeGreaterThan(0);
    expect(await redis.exists(bufferKey(bad, courseId))).toBe(0);
    expect((await callFunction("getSyncStatus", {}, admin)).body).toMatchObject({ result: { writeBehind: { quarantined: 1 } } });

    // The cause goes away; the operator replays.
    await (await firestore()).doc(progressPath(bad, courseId)).set({ notes: "" }, { merge: true });
    const replayed = await callFunction("replayQuarantine", {}, admin);

    expect(replayed.body).toEqual({ result: { replayed: 1, restored: 1, failed: 0 } });
    expect(await positions([bad], courseId, lectureId)).toEqual([42]);
    expect((await (await firestore()).doc(quarantinePath(bad, courseId)).get()).exists).toBe(false);
    expect((await callFunction("getSyncStatus", {}, admin)).body).toMatchObject({ result: { writeBehind: { quarantined: 0 } } });
  });

  it("when it succeeds before the runs are up, then its count of failed runs is forgotten", async () => {
    const { courseId, lectureIds } = await createCourse(1);
    const lectureId = lectureIds[0] as string;
    const [bad, other] = uidsInOnePart(2, "bad") as [string, string];
    await pingClosed(bad, courseId, lectureId, 5);
    await pingClosed(other, courseId, lectureId, 6);

    await flushWhenFree(refusing(await flushDeps(), bad));
    const healed = await flushWhenFree(await flushDeps());

    expect(healed).toMatchObject({ failedKeys: 0, quarantinedKeys: 0, remainingDirty: 0 });
    expect(await userRedis(bad).exists(bufferKey(bad, courseId))).toBe(0);
    expect(await positions([bad, other], courseId, lectureId)).toEqual([5, 6]);
  });
});

describe("Firestore itself failing", () => {
  it.each([
    ["UNAVAILABLE for every write", (deps: FlushDeps) => ({ ...deps, store: { ...deps.store, write: () => Promise.reject(Object.assign(new Error("14 UNAVAILABLE"), { code: 14 })) } })],
    ["refusing every document of a page one by one", (deps: FlushDeps) => ({ ...deps, store: { ...deps.store, write: () => Promise.reject(Object.assign(new Error("3 INVALID_ARGUMENT"), { code: 3 })) } })],
  ] as const)("when it is %s, then the run fails, nothing is quarantined or counted, and every key stays buffered", async (_how, failing) => {
    const { courseId, lectureIds } = await createCourse(1);
    const lectureId = lectureIds[0] as string;
    // One page: a page whose every key fails is Firestore failing (a page of one key cannot tell, docs/architecture.md).
    const uids = uidsInOnePart(3);
    for (const uid of uids) await pingClosed(uid, courseId, lectureId, 7);

    await expect(flushWhenFree(failing(await flushDeps()))).rejects.toMatchObject({ code: expect.any(Number) });

    const redis = userRedis(uids[0] as string);
    expect(await bufferKeys(redis)).toEqual(uids.map((uid) => bufferKey(uid, courseId)).sort());
    for (const uid of uids) expect(hashFromReply(await redis.hgetall(bufferKey(uid, courseId)))[FAILURE_FIELD]).toBeUndefined();
    expect((await (await firestore()).collection("_sync/writeBehind/quarantine").get()).size).toBe(0);
  });
});
