/**
 * The change-streaming queues when something fails, on a stack of this file's own (its faults would disturb other
 * files): the enqueue refused (the trigger throws and is retried), the dead letter of a last attempt refused (the task
 * is retried until it is written), an event too old to enqueue, and an envelope too big for a task. Retries run
 * 10,000 times faster than deployed (taskBackoffScale), so a delivery's ten attempts take about 3 s.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { firestoreKit } from "../../src/adapters/firestore.js";
import { DEAD_LETTERS, deadLetterId, replayDeadLetters } from "../../src/sync/dead-letters.js";
import { DELIVERY_ATTEMPTS, ENVELOPES, enqueueDeliveries, MAX_EVENT_AGE_MS, MAX_INLINE_ENVELOPE_BYTES, adminDeliveryQueues } from "../../src/sync/delivery-tasks.js";
import { enabledSinks } from "../../src/sync/functions.js";
import { SinkStatus } from "../../src/sync/sink-status.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { readBigQuery, readCosmos, readMongo, testEnvelope } from "../helpers/sinks.js";
import { uniqueId } from "../helpers/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack({}, { taskBackoffScale: 0.0001 });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const settle = async () => {
  await stack.triggers.idle();
  await stack.tasks.idle();
};

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(stack.tasks.stats())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const answer = (uid: string, score: number) => ({ uid, questionId: "q1", subject: "math", skill: "s", subskill: "x", score, status: "graded" });

describe("change streaming when something fails", () => {
  it("when Cloud Tasks refuses the enqueue, then the trigger fails and is retried until it is accepted, and every sink gets the change", async () => {
    const { db } = await firestoreKit();
    const id = uniqueId("enq");
    const triggersBefore = stack.triggers.stats();
    stack.tasks.refuseCreates(true);
    await db.doc(`answers/${id}`).set(answer("u-enq", 0.5));
    await until(() => stack.triggers.stats().retried - triggersBefore.retried >= 3, "three retries of the trigger");
    const refused = stack.tasks.refuseCreates(false);
    await settle();

    expect(refused).toBeGreaterThanOrEqual(3);
    expect(stack.triggers.stats().failed - triggersBefore.failed).toBeGreaterThanOrEqual(3);
    const current = (await db.doc(`answers/${id}`).get()).data();
    expect(await readMongo("answers", `answers/${id}`, testEnvelope(`answers/${id}`, { answerId: id }, current ?? null, 1))).toEqual(current);
    expect(await readBigQuery("answers", `answers/${id}`, testEnvelope(`answers/${id}`, { answerId: id }, current ?? null, 1))).toEqual(current);
    expect(await readCosmos("answers", `answers/${id}`, testEnvelope(`answers/${id}`, { answerId: id }, current ?? null, 1))).toMatchObject({ id, student_id: "u-enq", score: 50 });
  });

  it("when the dead letter of the last attempt cannot be written, then the task fails and is retried until it is, and the replay delivers the change", async () => {
    const kit = await firestoreKit();
    const id = uniqueId("dlw");
    const before = stack.tasks.stats()["deliverCosmos"]!;
    stack.cosmos.fault("error");
    stack.firestore?.failWrites(`${DEAD_LETTERS}/cosmos~`);
    try {
      await kit.db.doc(`answers/${id}`).set(answer("u-dlw", 1));
      // Ten delivery attempts, then at least one more whose only failure was the letter.
      await until(() => stack.tasks.stats()["deliverCosmos"]!.dispatched - before.dispatched >= DELIVERY_ATTEMPTS + 1, "an attempt past the last delivery attempt");
      const letters = await kit.db.collection(DEAD_LETTERS).where("documentPath", "==", `answers/${id}`).get();
      expect(letters.size).toBe(0);
    } catch (error) {
      stack.cosmos.fault(false);
      throw error;
    } finally {
      stack.firestore?.failWrites(null);
    }
    await settle();
    const cosmos = stack.tasks.stats()["deliverCosmos"]!;
    expect(cosmos.exhausted - before.exhausted).toBe(0);
    const letters = await kit.db.collection(DEAD_LETTERS).where("documentPath", "==", `answers/${id}`).get();
    expect(letters.docs.map((letter) => letter.get("sink"))).toEqual(["cosmos"]);

    stack.cosmos.fault(false);
    const replay = await replayDeadLetters(kit, enabledSinks(), { sink: "cosmos", limit: 100 });
    expect(replay.succeeded).toBeGreaterThanOrEqual(1);
    const current = (await kit.db.doc(`answers/${id}`).get()).data() ?? null;
    expect(await readCosmos("answers", `answers/${id}`, testEnvelope(`answers/${id}`, { answerId: id }, current, 1))).toMatchObject({ id, score: 100 });
    expect((await kit.db.collection(DEAD_LETTERS).where("documentPath", "==", `answers/${id}`).get()).size).toBe(0);
  });

  it("when a trigger runs more than 6 hours after its event, then each sink gets a dead letter instead of a task", async () => {
    const kit = await firestoreKit();
    const id = uniqueId("old");
    const envelope = { ...testEnvelope(`answers/${id}`, { answerId: id }, answer("u-old", 1), 10), eventId: randomUUID() };
    const tasksBefore = Object.values(stack.tasks.stats()).reduce((sum, queue) => sum + queue.enqueued, 0);
    const outcome = await enqueueDeliveries(kit, await adminDeliveryQueues(), envelope, ["bigquery", "mongo", "cosmos"], new SinkStatus(), Date.parse(envelope.eventTime) + MAX_EVENT_AGE_MS + 1);
    expect(outcome).toBe("too_old");
    expect(Object.values(stack.tasks.stats()).reduce((sum, queue) => sum + queue.enqueued, 0)).toBe(tasksBefore);
    for (const sink of ["bigquery", "mongo", "cosmos"] as const) {
      expect((await kit.db.doc(`${DEAD_LETTERS}/${deadLetterId(sink, envelope.eventId)}`).get()).get("status")).toBe("exhausted");
    }
  });

  it("when a change is bigger than a task may carry, then its envelope is stored, the task names it, and every sink gets the change", async () => {
    const kit = await firestoreKit();
    const id = uniqueId("big");
    const storedBefore = (await kit.db.collection(ENVELOPES).count().get()).data().count;
    const data = { uid: "u-big", type: "login", localDate: "2026-11-01", metadata: { note: "x".repeat(MAX_INLINE_ENVELOPE_BYTES) } };
    await kit.db.doc(`activities/${id}`).set(data);
    await settle();
    expect((await kit.db.collection(ENVELOPES).count().get()).data().count).toBe(storedBefore + 1);
    const sample = testEnvelope(`activities/${id}`, { activityId: id }, data, 1);
    expect(await readMongo("activities", `activities/${id}`, sample)).toEqual(data);
    expect(await readBigQuery("activities", `activities/${id}`, sample)).toEqual(data);
    expect(await readCosmos("activities", `activities/${id}`, sample)).toMatchObject({ id, student_id: "u-big", metadata: data.metadata });
  });
});
