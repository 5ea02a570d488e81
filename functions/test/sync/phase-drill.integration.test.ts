/**
 * The migration phase drill: with Cosmos retired, changes reach BigQuery and MongoDB but not a single Cosmos write
 * happens (counted at the Cosmos stand-in); back in dual_write, reconcile with repair brings Cosmos level again and
 * the next reconcile is clean (the rollback drill in README). On a stack of this file's own: it switches the phase for
 * every function and counts every Cosmos write, which no other file's changes may add to.
 */
import type { Stack } from "@learnpulse/local-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firestore } from "../../src/adapters/firestore.js";
import { readCosmos, readMongo } from "../helpers/sinks.js";
import { resetStats, setParam, stackStats, triggersIdle, uniqueId } from "../helpers/stack.js";
import { buildEnvelope } from "../../src/sync/envelope.js";
import { reconcile } from "../../src/sync/reconcile/reconcile.js";
import { reconcileTarget } from "../../src/sync/reconcile/functions.js";
import { firestoreKit } from "../../src/adapters/firestore.js";
import { startOwnStack } from "../helpers/own-stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("migration phase drill", () => {
  it("when Cosmos is retired, then changes reach the other sinks and Cosmos gets no write at all", async () => {
    const db = await firestore();
    const uid = uniqueId("drill");
    await setParam("MIGRATION_PHASE", "cosmos_retired");
    try {
      await triggersIdle();
      await resetStats();
      for (let i = 0; i < 5; i++) await db.doc(`answers/${uid}-a${i}`).set({ uid, subject: "s", skill: "k", subskill: "x", score: i / 5 });
      await db.doc(`users/${uid}`).set({ timezone: "UTC", currentStreak: 1 });
      await triggersIdle();
      const stats = await stackStats();
      expect(stats.cosmos.writes).toBe(0);
      const user = buildEnvelope({ eventId: "x", eventTime: new Date().toISOString(), documentPath: `users/${uid}`, pathParams: { uid }, before: { exists: false }, after: { exists: true, data: { timezone: "UTC" } } });
      expect(await readMongo("users", `users/${uid}`, user)).toMatchObject({ timezone: "UTC", currentStreak: 1 });
      expect(await readCosmos("users", `users/${uid}`, user)).toBeNull();
    } finally {
      await setParam("MIGRATION_PHASE", "dual_write");
    }

    // Rollback: Cosmos mirrored again; what it missed while retired comes back through reconcile with repair.
    const kit = await firestoreKit();
    const range = { after: `answers/${uid}`, upTo: `answers/${uid}\uf8ff` };
    const first = await reconcile(kit, reconcileTarget("answers", "cosmos"), { range, repair: true });
    expect(first).toMatchObject({ checked: 5, missing: 5, repaired: 5 });
    const again = await reconcile(kit, reconcileTarget("answers", "cosmos"), { range });
    expect(again).toMatchObject({ checked: 5, missing: 0, stale: 0, extra: 0 });
  });
});
