import { describe, expect, it } from "vitest";
import { firestoreKit } from "../../src/adapters/firestore.js";
import { backfillSink, type BackfillProgress } from "../../src/sync/backfill.js";
import { buildEnvelope } from "../../src/sync/envelope.js";
import { sinkNamed } from "../../src/sync/functions.js";
import { readMongo } from "../helpers/sinks.js";
import { setParam, triggersIdle, uniqueId } from "../helpers/stack.js";

describe("backfill:sinks", () => {
  it("when a backfill stops after a page and resumes from its checkpoint, then every document reaches the sink once", async () => {
    const kit = await firestoreKit();
    const uid = uniqueId("bf");
    // Written while the Mongo sink is off, so only the backfill can bring them to MongoDB.
    await setParam("SINK_MONGO_ENABLED", "false");
    try {
      const batch = kit.db.batch();
      for (let i = 0; i < 25; i++) batch.set(kit.db.doc(`users/${uid}/activityDays/2026-10-${String(i + 1).padStart(2, "0")}`), { date: `2026-10-${i + 1}`, count: i });
      await batch.commit();
      await triggersIdle();
    } finally {
      await setParam("SINK_MONGO_ENABLED", "true");
    }
    const mine = (path: string) => path.startsWith(`users/${uid}/`);
    const sample = (day: number) =>
      buildEnvelope({ eventId: "x", eventTime: new Date().toISOString(), documentPath: `users/${uid}/activityDays/2026-10-${String(day).padStart(2, "0")}`, pathParams: {}, before: { exists: false }, after: { exists: false } });
    expect(await readMongo("activityDays", sample(1).documentPath, sample(1))).toBeNull();

    // Start just before this user's documents (the collection group holds every test's days), stop after one page.
    const start = `users/${uid}/activityDays/0000`;
    let checkpoint: BackfillProgress | undefined;
    const stop = new Error("stopped after one page");
    await expect(
      backfillSink(kit, {
        collection: "activityDays",
        sink: sinkNamed("mongo"),
        after: start,
        pageSize: 10,
        onPage: (progress) => {
          checkpoint = progress;
          throw stop;
        },
      }),
    ).rejects.toBe(stop);
    expect(checkpoint?.sent).toBe(10);

    let resumedSent = 0;
    await backfillSink(kit, {
      collection: "activityDays",
      sink: sinkNamed("mongo"),
      after: checkpoint?.lastPath ?? null,
      pageSize: 10,
      onPage: (progress) => {
        resumedSent = progress.sent;
        if (progress.lastPath && !mine(progress.lastPath)) throw new Error("past this user's documents");
      },
    }).catch((error: unknown) => {
      if (!String(error).includes("past this user")) throw error;
    });
    expect(resumedSent).toBeGreaterThanOrEqual(15);
    for (const day of [1, 10, 11, 25]) {
      expect(await readMongo("activityDays", sample(day).documentPath, sample(day))).toMatchObject({ count: day - 1 });
    }
  });
});
