/**
 * The daily reconcile as a rotating sweep: over RECONCILE_SWEEP_DAYS runs it checks every document of a collection
 * once, from a stored cursor, and repairs what the sink missed; then it starts over. On a stack of this file's own, so
 * that the collection holds this test's documents alone and each run's share is known.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { firestoreKit } from "../../src/adapters/firestore.js";
import { mongo } from "../../src/adapters/mongo.js";
import { MONGODB_DATABASE } from "../../src/config.js";
import * as functions from "../../src/index.js";
import { reconcileTarget } from "../../src/sync/reconcile/functions.js";
import { reconcile } from "../../src/sync/reconcile/reconcile.js";
import { SWEEP_CURSORS, sweepStep } from "../../src/sync/reconcile/sweep.js";
import { startOwnStack } from "../helpers/own-stack.js";

const DOCUMENTS = 40;
const DAYS = 4;
const OLD_VERSION = "2001-01-01T00:00:00.000000Z";

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("the reconcile sweep", () => {
  it(`when divergences are planted across a whole collection, then ${DAYS} daily runs check every document once, repair them all, and the cursor starts over`, async () => {
    expect(functions.reconcileDaily.__endpoint.scheduleTrigger).toMatchObject({ schedule: "every 24 hours" });
    const kit = await firestoreKit();
    const path = (n: number) => `answers/sweep-${String(n).padStart(3, "0")}`;
    await Promise.all(
      Array.from({ length: DOCUMENTS }, (_, n) => kit.db.doc(path(n)).set({ uid: `u${n}`, questionId: "q1", subject: "math", skill: "alg", subskill: "lin", score: 0.5, status: "graded" })),
    );
    await stack.triggers.idle();
    await stack.tasks.idle();
    const sink = (await mongo()).db(MONGODB_DATABASE.value()).collection<{ _id: string; _v?: string; _deleted?: boolean; uid?: string }>("answers");
    // Missing in the sink at the start, the middle and the end of the key range; two stale; two extras between.
    for (const n of [2, 21, 38]) await sink.deleteOne({ _id: path(n) });
    for (const n of [9, 30]) await sink.updateOne({ _id: path(n) }, { $set: { _v: OLD_VERSION, score: 0.1 } });
    for (const extra of ["answers/sweep-012x", "answers/sweep-033x"]) await sink.insertOne({ _id: extra, _v: OLD_VERSION, _deleted: false, uid: "ghost" });
    const target = reconcileTarget("answers", "mongo");

    const steps: Awaited<ReturnType<typeof sweepStep>>[] = [];
    for (let day = 0; day < DAYS; day++) steps.push(await sweepStep(kit, target, DAYS));

    const share = DOCUMENTS / DAYS;
    expect(steps.map(({ report }) => report.checked)).toEqual(Array.from({ length: DAYS }, () => share));
    const total = (field: "missing" | "stale" | "extra" | "repaired" | "repairFailed") => steps.reduce((sum, { report }) => sum + report[field], 0);
    expect({ missing: total("missing"), stale: total("stale"), extra: total("extra"), repaired: total("repaired"), repairFailed: total("repairFailed") }).toEqual({
      missing: 3,
      stale: 2,
      extra: 2,
      repaired: 7,
      repairFailed: 0,
    });
    expect(steps.at(-1)?.cursor).toEqual({ after: null, pass: 2 });
    expect((await kit.db.doc(`${SWEEP_CURSORS}/answers~mongo`).get()).data()).toEqual({ after: null, pass: 2 });
    const clean = await reconcile(kit, target);
    expect(clean).toMatchObject({ checked: DOCUMENTS, missing: 0, stale: 0, changed: 0, extra: 0 });
  });
});
