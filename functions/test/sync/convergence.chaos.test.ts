/**
 * Convergence under fire: 2,000 random writes across the mirrored collections; every change delivered three times
 * in shuffled order (besides the stack's own trigger delivery) while each sink is down 20% of the time (outages
 * injected at the sink boundary, in 100 ms slices, so the test stays fast); then dead letters are replayed until
 * none remain. Every sink must then equal Firestore for every document, and BigQuery's latest view must equal
 * Firestore. A second test takes each real stand-in down and up again.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { chaosSeed, prng } from "../helpers/prng.js";
import { firestore, firestoreKit } from "../../src/adapters/firestore.js";
import { DEAD_LETTERS, replayDeadLetters } from "../../src/sync/dead-letters.js";
import { dispatch } from "../../src/sync/dispatch.js";
import { buildEnvelope, type ChangeEnvelope } from "../../src/sync/envelope.js";
import { enabledSinks } from "../../src/sync/functions.js";
import { SinkStatus } from "../../src/sync/sink-status.js";
import type { Sink } from "../../src/sync/sinks/sink.js";
import { expectedView, readBigQuery, readCosmos, readMongo, type SinkView } from "../helpers/sinks.js";
import { setFault, triggersIdle, uniqueId, type FaultService } from "../helpers/stack.js";

const WRITES = 2_000;
const DOWN_SHARE = 0.2;
const SINK_SERVICES = ["bigquery", "mongo", "cosmos"] as const satisfies readonly FaultService[];


/** A pool of documents across every mirrored collection, with the path params their triggers would extract. */
function documentPool(run: string): { path: string; params: Record<string, string>; make: (n: number) => Record<string, unknown> }[] {
  const pool = [];
  for (let u = 0; u < 8; u++) {
    const uid = `${run}-u${u}`;
    pool.push({ path: `users/${uid}`, params: { uid }, make: (n: number) => ({ timezone: "UTC", currentStreak: n % 5, totalActiveDays: n }) });
    for (let c = 0; c < 3; c++) {
      pool.push({ path: `users/${uid}/progress/c${c}`, params: { uid, courseId: `c${c}` }, make: (n: number) => ({ watchTimes: { l1: n }, completedLectures: n % 2 ? ["l1"] : [], completionPercentage: n % 100 }) });
      pool.push({ path: `users/${uid}/activityDays/2026-11-0${c + 1}`, params: { uid, date: `2026-11-0${c + 1}` }, make: (n: number) => ({ date: `2026-11-0${c + 1}`, count: n }) });
      pool.push({ path: `users/${uid}/competencies/math~s${c}~x`, params: { uid, competencyId: `math~s${c}~x` }, make: (n: number) => ({ subject: "math", skill: `s${c}`, subskill: "x", currentScore: n % 100, credibility: 0.5, totalAttempts: n }) });
    }
    for (let a = 0; a < 3; a++) {
      pool.push({ path: `activities/${uid}-a${a}`, params: { activityId: `${uid}-a${a}` }, make: (n: number) => ({ uid, type: "login", localDate: "2026-11-01", metadata: { n } }) });
      pool.push({ path: `answers/${uid}-q${a}`, params: { answerId: `${uid}-q${a}` }, make: (n: number) => ({ uid, questionId: `q${a}`, subject: "math", skill: "s", subskill: "x", score: (n % 10) / 10, status: "graded" }) });
    }
  }
  return pool;
}

describe("sink convergence (chaos)", () => {
  it("when changes arrive three times, shuffled, with sinks down 20% of the time, then after replay every sink equals Firestore", async () => {
    const seed = chaosSeed();
    const random = prng(seed);
    const kit = await firestoreKit();
    const db = await firestore();
    const pool = documentPool(uniqueId("conv"));

    // 1. Random writes, each read back so its change envelope carries the real versions.
    const envelopes: ChangeEnvelope[] = [];
    for (let i = 0; i < WRITES; i++) {
      const target = pool[Math.floor(random() * pool.length)] as (typeof pool)[number];
      const ref = db.doc(target.path);
      const before = await ref.get();
      const remove = before.exists && random() < 0.15;
      const write = remove ? await ref.delete() : await ref.set(target.make(i));
      const after = remove ? undefined : await ref.get();
      envelopes.push(
        buildEnvelope({
          eventId: randomUUID(),
          eventTime: write.writeTime.toDate().toISOString(),
          documentPath: target.path,
          pathParams: target.params,
          before: { exists: before.exists, data: before.data(), updateTime: before.updateTime },
          after: { exists: !!after?.exists, data: after?.data(), updateTime: after?.updateTime },
        }),
      );
    }

    // 2. Each sink goes down for 20% of the time, in 100 ms slices, while every change is delivered 3 times, shuffled.
    const down = new Set<string>();
    const flaky = (sink: Sink): Sink => ({
      name: sink.name,
      deliver: (envelope) => (down.has(sink.name) ? Promise.resolve({ failed: new Error(`${sink.name} is down`) }) : sink.deliver(envelope)),
    });
    const sinks = enabledSinks().map(flaky);
    let chaos = true;
    const downtime = (async () => {
      while (chaos) {
        for (const sink of sinks) {
          if (random() < DOWN_SHARE) down.add(sink.name);
          else down.delete(sink.name);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const deliveries = envelopes.flatMap((envelope) => [envelope, envelope, envelope]);
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j] as ChangeEnvelope, deliveries[i] as ChangeEnvelope];
    }
    const status = new SinkStatus();
    let failedDeliveries = 0;
    for (let start = 0; start < deliveries.length; start += 20) {
      const batch = deliveries.slice(start, start + 20);
      const outcomes = await Promise.all(batch.map((envelope) => dispatch(kit, envelope, sinks, status)));
      failedDeliveries += outcomes.flatMap((outcome) => Object.values(outcome)).filter((outcome) => "failed" in outcome).length;
    }
    chaos = false;
    await downtime;
    await triggersIdle();

    // 3. Replay until no dead letter is left.
    let replays = 0;
    for (;;) {
      const result = await replayDeadLetters(kit, enabledSinks(), { limit: 1_000, force: true });
      replays++;
      if (result.replayed === 0) break;
      expect(replays, "replay does not converge").toBeLessThan(20);
    }
    expect((await db.collection(DEAD_LETTERS).count().get()).data().count).toBe(0);

    // 4. Every sink equals Firestore, document by document.
    const views: [string, SinkView][] = [["bigquery", readBigQuery], ["mongo", readMongo], ["cosmos", readCosmos]];
    let compared = 0;
    for (const target of pool) {
      const current = await db.doc(target.path).get();
      const now = buildEnvelope({
        eventId: "compare",
        eventTime: new Date().toISOString(),
        documentPath: target.path,
        pathParams: target.params,
        before: { exists: false },
        after: { exists: current.exists, data: current.data(), updateTime: current.updateTime },
      });
      const lastSeen = envelopes.findLast((envelope) => envelope.documentPath === target.path);
      if (!lastSeen) continue;
      for (const [sink, read] of views) {
        // For a deleted document the sink is asked with its last known shape (Cosmos needs the student id).
        const sample = now.after ? now : lastSeen;
        expect(await read(now.collection, target.path, sample), `${sink} ${target.path}`).toEqual(expectedView(sink as never, now));
        compared++;
      }
    }
    console.log(JSON.stringify({ chaos: "sink-convergence", seed, writes: WRITES, deliveries: deliveries.length, failedDeliveries, replays, documents: pool.length, compared }));
    expect(failedDeliveries).toBeGreaterThan(0);
    expect(compared).toBeGreaterThan(pool.length * 2);
  });

  it.each(SINK_SERVICES)("when the %s stand-in is down, then deliveries become dead letters, and after it recovers the replay delivers them", async (service) => {
    const kit = await firestoreKit();
    const sink = enabledSinks().find((candidate) => candidate.name === service) as Sink;
    const id = uniqueId("down");
    const envelope = buildEnvelope({
      eventId: randomUUID(),
      eventTime: new Date().toISOString(),
      documentPath: `answers/${id}`,
      pathParams: { answerId: id },
      before: { exists: false },
      after: { exists: true, data: { uid: "u-down", subject: "s", skill: "k", subskill: "x", score: 1 }, updateTime: { seconds: 5_000, nanoseconds: 0 } },
    });
    await setFault(service, "error");
    try {
      const outcome = await dispatch(kit, envelope, [sink], new SinkStatus());
      expect(outcome[service]).toHaveProperty("failed");
    } finally {
      await setFault(service, "off");
    }
    const letter = await kit.db.doc(`${DEAD_LETTERS}/${service}~${envelope.eventId}`).get();
    expect(letter.get("attempts")).toBe(1);
    const replay = await replayDeadLetters(kit, [sink], { sink: sink.name, limit: 1_000, force: true });
    expect(replay.succeeded).toBeGreaterThanOrEqual(1);
    expect((await letter.ref.get()).exists).toBe(false);
  });
});
