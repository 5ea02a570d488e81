import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { firestoreKit } from "../../src/adapters/firestore.js";
import { DEAD_LETTERS, deadLetterId, recordDeadLetter, replayDeadLetters } from "../../src/sync/dead-letters.js";
import type { Sink, SinkOutcome } from "../../src/sync/sinks/sink.js";
import { testEnvelope } from "../helpers/sinks.js";
import { uniqueId } from "../helpers/stack.js";

/** A sink that answers what it is told: the replay is under test, not a sink. */
const scriptedSink = (outcome: SinkOutcome): Sink & { calls: number } => {
  const sink = { name: "cosmos" as const, calls: 0, deliver: async () => (sink.calls++, outcome) };
  return sink;
};

describe("dead letters", () => {
  it("when the same change is recorded twice, then one letter counts two attempts and keeps the last error, out of the indexes' way", async () => {
    const kit = await firestoreKit();
    const id = uniqueId("dl");
    const envelope = { ...testEnvelope(`answers/${id}`, { answerId: id }, { uid: "u" }, 10), eventId: randomUUID() };
    const ref = kit.db.doc(`${DEAD_LETTERS}/${deadLetterId("cosmos", envelope.eventId)}`);
    await recordDeadLetter(kit, "cosmos", envelope, new Error("down"));
    await recordDeadLetter(kit, "cosmos", envelope, new Error("still down"));
    const letter = (await ref.get()).data();
    expect(letter).toMatchObject({ attempts: 2, status: "exhausted", sink: "cosmos", error: "Error: still down", envelope });
    expect(letter).not.toHaveProperty("nextRetryAt");
    await ref.delete();
  });

  it("when the operator replays, then a failure keeps the letter with one more attempt, and a success or a stale skip removes it", async () => {
    const kit = await firestoreKit();
    const id = uniqueId("dl");
    const envelope = { ...testEnvelope(`answers/${id}`, { answerId: id }, { uid: "u" }, 10), eventId: randomUUID() };
    const ref = kit.db.doc(`${DEAD_LETTERS}/${deadLetterId("cosmos", envelope.eventId)}`);
    await recordDeadLetter(kit, "cosmos", envelope, new Error("down"));

    const failing = scriptedSink({ failed: new Error("again") });
    await replayDeadLetters(kit, [failing], { sink: "cosmos", limit: 1_000 });
    expect(failing.calls).toBeGreaterThanOrEqual(1);
    expect((await ref.get()).data()).toMatchObject({ attempts: 2, error: "Error: again" });

    await replayDeadLetters(kit, [scriptedSink({ skipped: "stale" })], { sink: "cosmos", limit: 1_000 });
    expect((await ref.get()).exists).toBe(false);
  });
});
