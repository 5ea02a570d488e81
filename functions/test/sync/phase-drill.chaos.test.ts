/**
 * The migration phase drill: with Cosmos retired, changes reach BigQuery and MongoDB but not a single Cosmos write
 * happens (counted at the Cosmos stand-in). Runs in the chaos group: it reads stack-wide counters.
 */
import { describe, expect, it } from "vitest";
import { firestore } from "../../src/adapters/firestore.js";
import { readCosmos, readMongo } from "../helpers/sinks.js";
import { resetStats, setParam, stackStats, triggersIdle, uniqueId } from "../helpers/stack.js";
import { buildEnvelope } from "../../src/sync/envelope.js";

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
  });
});
