/**
 * getSyncStatus's collection counts and health score: the daily sweep counts each mirrored collection in Firestore and
 * every sink, and the status reads that one document (no scan per call). On a stack of this file's own, so the counts
 * are exactly what this file wrote.
 */
import type { Stack } from "@learnpulse/local-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncStatusResponse } from "../../src/schemas/sync.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { callFunction, runSchedule, stackStats, triggersIdle, uniqueId } from "../helpers/stack.js";

const asAdmin = { uid: "ops-admin", claims: { admin: true } };
const status = async () => SyncStatusResponse.parse((await callFunction("getSyncStatus", {}, asAdmin)).body.result);

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("collection statistics and health", () => {
  it("when the daily sweep has run, then getSyncStatus shows each collection's count in every store, and a score of 100 while they agree", async () => {
    expect((await status()).collections).toBeNull();
    const learners = [uniqueId("stats"), uniqueId("stats")];
    for (const uid of learners) {
      for (let i = 0; i < 3; i++) await callFunction("recordActivity", { type: "login", clientEventId: uniqueId("ev") }, { uid });
    }
    await triggersIdle();

    await runSchedule("reconcileDaily");
    const readsBefore = (await stackStats()).firestore?.reads ?? 0;
    const answer = await status();
    const readsOfStatus = ((await stackStats()).firestore?.reads ?? 0) - readsBefore;

    // Two learners: a user document each, three activities each, one active day each.
    const expected = (n: number) => ({ firestore: n, bigquery: n, mongo: n, cosmos: n });
    expect(answer.collections?.counts).toMatchObject({ users: expected(2), activities: expected(6), activityDays: expected(2), answers: expected(0) });
    expect(Date.parse(answer.collections?.countedAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(answer.health).toEqual({ score: 100, factors: { writeBehind: 1, quarantine: 1, bigquery: 1, mongo: 1, cosmos: 1 } });
    // A handful of documents and counts, whatever the collections hold: the status never scans them.
    expect(readsOfStatus).toBeLessThan(20);
  });
});
