import { describe, expect, it } from "vitest";
import { firestoreKit } from "../../src/adapters/firestore.js";
import { SyncStatusResponse } from "../../src/schemas/sync.js";
import { DEAD_LETTERS, deadLetterId, recordDeadLetter } from "../../src/sync/dead-letters.js";
import { testEnvelope } from "../helpers/sinks.js";
import { callFunction, flushNowAsAdmin, uniqueId } from "../helpers/stack.js";

const asAdmin = { uid: "ops-admin", claims: { admin: true } };
const status = async () => SyncStatusResponse.parse((await callFunction("getSyncStatus", {}, asAdmin)).body.result);

describe("getSyncStatus", () => {
  it("when an admin asks, then it answers the phase, the write-behind and every sink in API.md's shape", async () => {
    const answer = await status();
    expect(answer.migrationPhase).toBe("dual_write");
    expect(Object.keys(answer.sinks).sort()).toEqual(["bigquery", "cosmos", "mongo"]);
    expect(answer.sinks.mongo.enabled).toBe(true);
  });

  it("when pings wait in Redis and a flush runs, then dirty keys and the last flush show it", async () => {
    const uid = uniqueId("status");
    await callFunction("saveProgress", { courseId: "status-course", lectureId: "l1", position: 3 }, { uid });
    expect((await status()).writeBehind.dirtyKeys).toBeGreaterThanOrEqual(1);
    expect((await flushNowAsAdmin()).status).toBe(200);
    const after = await status();
    expect(after.writeBehind.lastFlush).toMatchObject({ trigger: "flushNow", at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it("when a delivery fails, then that sink's dead-letter count grows by one", async () => {
    const before = (await status()).sinks.cosmos.deadLetters;
    const id = uniqueId("st");
    const kit = await firestoreKit();
    const envelope = testEnvelope(`answers/${id}`, { answerId: id }, { uid: "u" }, 1);
    await recordDeadLetter(kit, "cosmos", envelope, new Error("down"));
    expect((await status()).sinks.cosmos.deadLetters).toBe(before + 1);
    await kit.db.doc(`${DEAD_LETTERS}/${deadLetterId("cosmos", envelope.eventId)}`).delete();
  });

  it("when a student asks, then PERMISSION_DENIED", async () => {
    expect((await callFunction("getSyncStatus", {})).body.error?.status).toBe("PERMISSION_DENIED");
  });
});
