import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { firestoreKit } from "../../src/adapters/firestore.js";
import { DEAD_LETTERS, deadLetterId, MAX_ATTEMPTS, recordDeadLetter, replayDeadLetters } from "../../src/sync/dead-letters.js";
import type { Sink, SinkOutcome } from "../../src/sync/sinks/sink.js";
import { testEnvelope } from "../helpers/sinks.js";
import { uniqueId } from "../helpers/stack.js";

/** A sink that answers what it is told: the replay is under test, not a sink. */
const scriptedSink = (outcome: SinkOutcome): Sink & { calls: number } => {
  const sink = { name: "cosmos" as const, calls: 0, deliver: async () => (sink.calls++, outcome) };
  return sink;
};

describe("dead letters", () => {
  it("when a delivery keeps failing, then attempts count up with backoff until the letter is kept as exhausted", async () => {
    const kit = await firestoreKit();
    const id = uniqueId("dl");
    const envelope = { ...testEnvelope(`answers/${id}`, { answerId: id }, { uid: "u" }, 10), eventId: randomUUID() };
    const ref = kit.db.doc(`${DEAD_LETTERS}/${deadLetterId("cosmos", envelope.eventId)}`);
    const now = Date.now();
    await recordDeadLetter(kit, "cosmos", envelope, new Error("down"), now);
    expect((await ref.get()).data()).toMatchObject({ attempts: 1, status: "pending", sink: "cosmos", error: "Error: down" });
    expect((await ref.get()).get("nextRetryAt").toMillis()).toBe(now + 60_000);

    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) await recordDeadLetter(kit, "cosmos", envelope, new Error("still down"), now);
    expect((await ref.get()).data()).toMatchObject({ attempts: MAX_ATTEMPTS, status: "exhausted" });

    const sink = scriptedSink({ applied: true });
    await replayDeadLetters(kit, [sink], { sink: "cosmos", limit: 1_000, force: true });
    expect((await ref.get()).get("status")).toBe("exhausted"); // kept for inspection, never retried again
    await ref.delete();
  });

  it("when a letter's backoff has not elapsed, then only a forced replay retries it; success removes it", async () => {
    const kit = await firestoreKit();
    const id = uniqueId("dl");
    const envelope = { ...testEnvelope(`answers/${id}`, { answerId: id }, { uid: "u" }, 10), eventId: randomUUID() };
    const ref = kit.db.doc(`${DEAD_LETTERS}/${deadLetterId("cosmos", envelope.eventId)}`);
    await recordDeadLetter(kit, "cosmos", envelope, new Error("down"));

    const failing = scriptedSink({ failed: new Error("again") });
    await replayDeadLetters(kit, [failing], { sink: "cosmos", limit: 1_000 });
    expect((await ref.get()).get("attempts")).toBe(1); // not due yet

    await replayDeadLetters(kit, [failing], { sink: "cosmos", limit: 1_000, force: true });
    expect((await ref.get()).get("attempts")).toBe(2);

    await replayDeadLetters(kit, [scriptedSink({ skipped: "stale" })], { sink: "cosmos", limit: 1_000, force: true });
    expect((await ref.get()).exists).toBe(false);
  });
});
