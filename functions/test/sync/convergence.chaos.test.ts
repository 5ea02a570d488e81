/**
 * Convergence under fire, on a stack of this file's own with its trigger delivery muted, so that only the delivery
 * queues deliver: 2,000 random writes across the mirrored collections; every change enqueued three times (as three
 * tasks) in shuffled order on each sink's queue while each sink's stand-in fails 20% of the time (in 100 ms slices);
 * the queues' own retries only, no replay. Every sink must then equal Firestore, document by document, with the
 * expectations written here rather than taken from the product's mappers: BigQuery and MongoDB hold the document's
 * data, Cosmos holds the version of Firestore's latest write (or a tombstone), and a hand-written fixture of each
 * legacy Cosmos shape is checked field by field.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { CosmosClient } from "@azure/cosmos";
import { chaosSeed, prng } from "../helpers/prng.js";
import { firestore } from "../../src/adapters/firestore.js";
import { COSMOS_DATABASE } from "../../src/config.js";
import { adminDeliveryQueues, deliveryTaskId, type DeliveryTask } from "../../src/sync/delivery-tasks.js";
import { buildEnvelope, versionOf, type ChangeEnvelope } from "../../src/sync/envelope.js";
import { SINK_NAMES } from "../../src/sync/sinks/sink.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { readBigQuery, readMongo } from "../helpers/sinks.js";
import { uniqueId } from "../helpers/stack.js";

const WRITES = 2_000;
const COPIES = 3;
const DOWN_SHARE = 0.2;

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack({}, { taskBackoffScale: 0.0001 });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

interface PoolDoc {
  path: string;
  params: Record<string, string>;
  make: (n: number) => Record<string, unknown>;
  /** Where the legacy Cosmos readers find it, written out by hand: container, item id, partition (student id). */
  cosmos: { container: string; id: string; student: string };
}

/** A pool of documents across every mirrored collection, with the path params their triggers would extract. */
function documentPool(run: string): PoolDoc[] {
  const pool: PoolDoc[] = [];
  for (let u = 0; u < 8; u++) {
    const uid = `${run}-u${u}`;
    pool.push({ path: `users/${uid}`, params: { uid }, make: (n) => ({ timezone: "UTC", currentStreak: n % 5, totalActiveDays: n }), cosmos: { container: "students", id: uid, student: uid } });
    for (let c = 0; c < 3; c++) {
      const date = `2026-11-0${c + 1}`;
      const competency = `math~s${c}~x`;
      pool.push({
        path: `users/${uid}/progress/c${c}`,
        params: { uid, courseId: `c${c}` },
        make: (n) => ({ watchTimes: { l1: n }, completedLectures: n % 2 ? ["l1"] : [], completionPercentage: n % 100 }),
        cosmos: { container: "student_progress", id: `${uid}~c${c}`, student: uid },
      });
      pool.push({
        path: `users/${uid}/activityDays/${date}`,
        params: { uid, date },
        make: (n) => ({ date, count: n }),
        cosmos: { container: "student_activity_days", id: `${uid}~${date}`, student: uid },
      });
      pool.push({
        path: `users/${uid}/competencies/${competency}`,
        params: { uid, competencyId: competency },
        make: (n) => ({ subject: "math", skill: `s${c}`, subskill: "x", currentScore: n % 100, credibility: 0.5, totalAttempts: n }),
        cosmos: { container: "student_competencies", id: `${uid}~${competency}`, student: uid },
      });
    }
    for (let a = 0; a < 3; a++) {
      pool.push({
        path: `activities/${uid}-a${a}`,
        params: { activityId: `${uid}-a${a}` },
        make: (n) => ({ uid, type: "login", localDate: "2026-11-01", metadata: { n } }),
        cosmos: { container: "student_activities", id: `${uid}-a${a}`, student: uid },
      });
      pool.push({
        path: `answers/${uid}-q${a}`,
        params: { answerId: `${uid}-q${a}` },
        make: (n) => ({ uid, questionId: `q${a}`, subject: "math", skill: "s", subskill: "x", score: (n % 10) / 10, status: "graded" }),
        cosmos: { container: "student_attempts", id: `${uid}-q${a}`, student: uid },
      });
    }
  }
  return pool;
}

/** One document of each legacy shape, and the Cosmos item the legacy readers expect for it, written out by hand. */
function fixtures(run: string): { doc: PoolDoc; data: Record<string, unknown>; item: Record<string, unknown> }[] {
  const uid = `${run}-fixture`;
  const at = { container: "", id: "", student: uid };
  return [
    {
      doc: { path: `users/${uid}`, params: { uid }, make: () => ({}), cosmos: { ...at, container: "students", id: uid } },
      data: { timezone: "Europe/Berlin", currentStreak: 3, longestStreak: 7, lastActiveDate: "2026-11-30", totalCompletedLectures: 12, totalActiveDays: 20 },
      item: { id: uid, student_id: uid, timezone: "Europe/Berlin", current_streak: 3, longest_streak: 7, last_active_date: "2026-11-30", total_completed_lectures: 12, total_active_days: 20, _deleted: false },
    },
    {
      doc: { path: `users/${uid}/progress/course-1`, params: { uid, courseId: "course-1" }, make: () => ({}), cosmos: { ...at, container: "student_progress", id: `${uid}~course-1` } },
      data: { watchTimes: { l1: 120 }, completedLectures: ["l1"], lastWatchedLecture: "l1", completionPercentage: 50, coverage: { l1: 0.95 }, updatedAt: "2026-11-30T10:00:00.000Z" },
      item: {
        id: `${uid}~course-1`, student_id: uid, course_id: "course-1", watch_times: { l1: 120 }, completed_lectures: ["l1"], passed_quizzes: [], last_watched_lecture: "l1",
        completion_percentage: 50, coverage: { l1: 0.95 }, updated_at: "2026-11-30T10:00:00.000Z", _deleted: false,
      },
    },
    {
      doc: { path: `users/${uid}/activityDays/2026-11-30`, params: { uid, date: "2026-11-30" }, make: () => ({}), cosmos: { ...at, container: "student_activity_days", id: `${uid}~2026-11-30` } },
      data: { date: "2026-11-30", count: 4 },
      item: { id: `${uid}~2026-11-30`, student_id: uid, date: "2026-11-30", count: 4, _deleted: false },
    },
    {
      doc: { path: `users/${uid}/competencies/math~algebra~linear`, params: { uid, competencyId: "math~algebra~linear" }, make: () => ({}), cosmos: { ...at, container: "student_competencies", id: `${uid}~math~algebra~linear` } },
      data: { subject: "math", skill: "algebra", subskill: "linear", currentScore: 72, credibility: 0.6, totalAttempts: 9, lastUpdated: "2026-11-30T10:00:00.000Z" },
      item: {
        id: `${uid}~math~algebra~linear`, student_id: uid, subject: "math", skill_id: "algebra", subskill_id: "linear", current_score: 72, credibility: 0.6,
        total_attempts: 9, last_updated: "2026-11-30T10:00:00.000Z", source_system: "learnpulse", _deleted: false,
      },
    },
    {
      doc: { path: `activities/${uid}-act`, params: { activityId: `${uid}-act` }, make: () => ({}), cosmos: { ...at, container: "student_activities", id: `${uid}-act` } },
      data: { uid, type: "lecture_complete", courseId: "course-1", lectureId: "l1", occurredAt: "2026-11-30T10:00:00.000Z", localDate: "2026-11-30", metadata: { watchedSeconds: 120 } },
      item: {
        id: `${uid}-act`, student_id: uid, activity_type: "lecture_complete", course_id: "course-1", lecture_id: "l1", quiz_id: null, question_id: null,
        occurred_at: "2026-11-30T10:00:00.000Z", local_date: "2026-11-30", metadata: { watchedSeconds: 120 }, device: null, _deleted: false,
      },
    },
    {
      doc: { path: `answers/${uid}-ans`, params: { answerId: `${uid}-ans` }, make: () => ({}), cosmos: { ...at, container: "student_attempts", id: `${uid}-ans` } },
      data: { uid, questionId: "q7", quizId: "quiz-1", subject: "math", skill: "algebra", subskill: "linear", score: 0.75, isCorrect: false, pointsEarned: 3, maxPoints: 4, attemptNumber: 2, timeSpentMs: 5_000, status: "graded", feedback: "Close", submittedAt: "2026-11-30T10:00:00.000Z" },
      item: {
        id: `${uid}-ans`, student_id: uid, subject: "math", skill_id: "algebra", subskill_id: "linear", score: 75,
        analysis: { question_id: "q7", quiz_id: "quiz-1", is_correct: false, points_earned: 3, max_points: 4, attempt_number: 2, time_spent_ms: 5_000, status: "graded" },
        feedback: "Close", timestamp: "2026-11-30T10:00:00.000Z", source_system: "learnpulse", migration_timestamp: null, _deleted: false,
      },
    },
  ];
}

/** The stand-in of each sink, failing or answering (its own fault injection: the sink's client meets a real error). */
const FAULTS = {
  bigquery: (down: boolean) => stack.bigquery.fault(down ? "error" : false),
  mongo: (down: boolean) => stack.mongo?.fault(down ? "error" : false),
  cosmos: (down: boolean) => stack.cosmos.fault(down ? "error" : false),
};

describe("sink convergence (chaos)", () => {
  it("when each change is enqueued three times, shuffled, with each sink down 20% of the time, then the queues' retries alone make every sink equal Firestore", async () => {
    const seed = chaosSeed();
    const random = prng(seed);
    const db = await firestore();
    const run = uniqueId("conv");
    const pool = documentPool(run);
    const samples = fixtures(run);
    const resume = stack.triggers.mute();

    // 1. Random writes (and the fixtures), each read back so that its change envelope carries the real versions.
    const envelopes: ChangeEnvelope[] = [];
    const write = async (target: PoolDoc, data: Record<string, unknown> | null) => {
      const ref = db.doc(target.path);
      const before = await ref.get();
      const result = data ? await ref.set(data) : await ref.delete();
      const after = data ? await ref.get() : undefined;
      envelopes.push(
        buildEnvelope({
          eventId: randomUUID(),
          eventTime: result.writeTime.toDate().toISOString(),
          documentPath: target.path,
          pathParams: target.params,
          before: { exists: before.exists, data: before.data(), updateTime: before.updateTime },
          after: { exists: !!after?.exists, data: after?.data(), updateTime: after?.updateTime },
        }),
      );
    };
    for (let i = 0; i < WRITES; i++) {
      const target = pool[Math.floor(random() * pool.length)] as PoolDoc;
      const exists = (await db.doc(target.path).get()).exists;
      await write(target, exists && random() < 0.15 ? null : target.make(i));
    }
    for (const sample of samples) await write(sample.doc, sample.data);

    // 2. Each sink goes down for 20% of the time, in 100 ms slices, while every change is enqueued 3 times, shuffled.
    let chaos = true;
    const downtime = (async () => {
      while (chaos) {
        for (const sink of SINK_NAMES) FAULTS[sink](random() < DOWN_SHARE);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const copies = envelopes.flatMap((envelope) => Array.from({ length: COPIES }, (_, copy) => ({ envelope, copy })));
    for (let i = copies.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copies[i], copies[j]] = [copies[j] as (typeof copies)[number], copies[i] as (typeof copies)[number]];
    }
    const queues = await adminDeliveryQueues();
    for (let start = 0; start < copies.length; start += 50) {
      await Promise.all(
        copies.slice(start, start + 50).flatMap(({ envelope, copy }) => {
          const task: DeliveryTask = { envelope };
          return SINK_NAMES.map((sink) => queues.enqueue(sink, task, deliveryTaskId(sink, `${envelope.eventId}-copy${copy}`)));
        }),
      );
    }
    await stack.tasks.idle();
    chaos = false;
    await downtime;
    for (const sink of SINK_NAMES) FAULTS[sink](false);
    resume();

    const queueStats = stack.tasks.stats();
    const delivery = SINK_NAMES.map((sink) => queueStats[{ bigquery: "deliverBigQuery", mongo: "deliverMongo", cosmos: "deliverCosmos" }[sink]]!);
    expect(delivery.map((queue) => queue.enqueued)).toEqual(SINK_NAMES.map(() => copies.length));
    expect(delivery.map((queue) => queue.exhausted)).toEqual([0, 0, 0]);
    const failedAttempts = delivery.reduce((sum, queue) => sum + queue.failed, 0);
    expect(failedAttempts).toBeGreaterThan(0);
    expect((await db.collection("_sync/deadLetters/items").count().get()).data().count).toBe(0);

    // 3. Every sink equals Firestore, document by document.
    const cosmos = new CosmosClient({ endpoint: stack.env.COSMOS_ENDPOINT, key: stack.env.COSMOS_KEY }).database(COSMOS_DATABASE.value());
    const cosmosItem = async (at: PoolDoc["cosmos"]) => {
      const { resource } = await cosmos.container(at.container).item(at.id, at.student).read<Record<string, unknown>>();
      return resource ? Object.fromEntries(Object.entries(resource).filter(([key]) => !["_rid", "_self", "_etag", "_attachments", "_ts"].includes(key))) : undefined;
    };
    let compared = 0;
    for (const target of [...pool, ...samples.map((sample) => sample.doc)]) {
      if (!envelopes.some((envelope) => envelope.documentPath === target.path)) continue;
      const current = await db.doc(target.path).get();
      const data = current.exists ? (current.data() as Record<string, unknown>) : null;
      const collection = target.path.split("/").at(-2) as string;
      const probe = buildEnvelope({ eventId: "probe", eventTime: new Date().toISOString(), documentPath: target.path, pathParams: target.params, before: { exists: false }, after: { exists: false } });
      expect(await readMongo(collection, target.path, probe), `mongo ${target.path}`).toEqual(data);
      expect(await readBigQuery(collection, target.path, probe), `bigquery ${target.path}`).toEqual(data);
      const item = await cosmosItem(target.cosmos);
      if (data) expect(item, `cosmos ${target.path}`).toMatchObject({ _v: versionOf(current.updateTime as never), _deleted: false });
      else expect(item?.["_deleted"], `cosmos ${target.path}`).toBe(true);
      compared += 3;
    }
    for (const sample of samples) {
      const current = await db.doc(sample.doc.path).get();
      expect(await cosmosItem(sample.doc.cosmos), `cosmos fixture ${sample.doc.path}`).toEqual({ ...sample.item, _v: versionOf(current.updateTime as never) });
    }
    console.log(JSON.stringify({ chaos: "sink-convergence", seed, writes: WRITES, tasks: copies.length * SINK_NAMES.length, failedAttempts, documents: pool.length, compared }));
    expect(compared).toBeGreaterThan(pool.length * 2);
  }, 600_000); // a hang's limit: 114 s measured with both cores busy elsewhere
});
