/**
 * getAnalytics (API.md "Analytics"): four learners watch, complete, record and answer through the callables and a
 * flush; their changes reach BigQuery through the triggers and the delivery queues; each of the six reports is then
 * compared with what this file computes on its own, from what it did and from the Firestore documents the product
 * wrote (never from BigQuery). The cache is checked by the stand-in's query counter, so the file has a stack of its
 * own: no other file's queries, learners or courses.
 */
import type { Stack } from "@learnpulse/local-stack";
import { DEMO_COURSE_ID, DEMO_LECTURES, seedDemoCatalogue } from "@learnpulse/local-stack/seed.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firestore } from "../../src/adapters/firestore.js";
import type { AnalyticsReport } from "../../src/schemas/analytics.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { callFunction, stackStats, triggersIdle, uniqueId } from "../helpers/stack.js";

const admin = { uid: "analytics-admin", claims: { admin: true } };
const teacher = { uid: "analytics-teacher", claims: { teacher: true } };
const [A, B, C, D] = ["a", "b", "c", "d"].map((name) => ({ uid: uniqueId(`an-${name}`) })) as [{ uid: string }, { uid: string }, { uid: string }, { uid: string }];
const learners = [A, B, C, D];
const lecture = (n: number) => DEMO_LECTURES[n - 1] as { id: string; durationSec: number; order: number };

let stack: Stack;
let today = "";
/** Every answer submitted: who, which question, which attempt, the fraction of its points (null: awaiting a person), its time. */
const answers: { uid: string; questionId: string; attempt: number; fraction: number | null; timeSpentMs: number }[] = [];

async function call<T>(name: string, data: unknown, options: { uid: string; claims?: Record<string, unknown> }): Promise<T> {
  const answer = await callFunction(name, data, options);
  if (answer.status !== 200) throw new Error(`${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.result as T;
}

const ping = (who: { uid: string }, n: number, played: [number, number]) =>
  call("saveProgress", { courseId: DEMO_COURSE_ID, lectureId: lecture(n).id, position: played[1], duration: lecture(n).durationSec, playedSegments: [played] }, who);
const flush = () => call("flushNow", {}, admin);

async function answer(who: { uid: string }, questionId: string, given: Record<string, unknown>, timeSpentMs: number): Promise<void> {
  const attemptId = uniqueId("att");
  await call("startAttempt", { questionId, attemptId }, who);
  const result = await call<{ pointsEarned: number; maxPoints: number; isCorrect: boolean | null; attemptNumber: number }>("submitAnswer", { questionId, attemptId, answer: given, timeSpentMs }, who);
  answers.push({ uid: who.uid, questionId, attempt: result.attemptNumber, fraction: result.isCorrect === null ? null : result.pointsEarned / result.maxPoints, timeSpentMs });
}

async function report<T>(name: AnalyticsReport, extra: Record<string, unknown> = {}): Promise<{ rows: T[]; cached: boolean; generatedAt: string }> {
  return call("getAnalytics", { report: name, from: today, to: today, ...extra }, teacher);
}

beforeAll(async () => {
  stack = await startOwnStack();
  await seedDemoCatalogue(await firestore());
  const started = new Date().toISOString().slice(0, 10);

  // Watching: A covers lecture 1 in two flushes (120 s) and half of lecture 2 (150 s); B a quarter of lecture 1 (30 s);
  // C all of lecture 1, then plays it again (nothing new: 120 s), and completes lecture 3 without watching it.
  await ping(A, 1, [0, 60]);
  await ping(B, 1, [0, 30]);
  await ping(C, 1, [0, 120]);
  await flush();
  await ping(A, 1, [60, 120]);
  await ping(A, 2, [0, 150]);
  await ping(C, 1, [0, 120]);
  await flush();
  await call("completeLecture", { courseId: DEMO_COURSE_ID, lectureId: lecture(3).id }, C);
  await call("recordActivity", { type: "login", clientEventId: uniqueId("ev") }, A);
  await call("recordActivity", { type: "lecture_view", clientEventId: uniqueId("ev"), courseId: DEMO_COURSE_ID, lectureId: lecture(1).id }, B);

  // Answers: three graded questions on first attempts that tell the learners apart, a second attempt, an essay left to review.
  const firsts: Array<[{ uid: string }, Record<string, Record<string, unknown>>]> = [
    [A, { "demo-q-true_false": { value: true }, "demo-q-multiple_choice": { choice: "b" }, "demo-q-fill_blank": { blanks: ["5", "five"] } }],
    [B, { "demo-q-true_false": { value: true }, "demo-q-multiple_choice": { choice: "a" }, "demo-q-fill_blank": { blanks: ["5", "ten"] } }],
    [C, { "demo-q-true_false": { value: false }, "demo-q-multiple_choice": { choice: "b" }, "demo-q-fill_blank": { blanks: ["two", "ten"] } }],
    [D, { "demo-q-true_false": { value: false }, "demo-q-multiple_choice": { choice: "c" }, "demo-q-fill_blank": { blanks: ["5", "5"] } }],
  ];
  let time = 1_000;
  for (const [who, given] of firsts) for (const [questionId, payload] of Object.entries(given)) await answer(who, questionId, payload, (time += 500));
  await answer(B, "demo-q-multiple_choice", { choice: "b" }, 9_000);
  await answer(A, "demo-q-essay", { text: "Pings wait in Redis and are written once a minute." }, 20_000);
  await triggersIdle();

  today = new Date().toISOString().slice(0, 10);
  // The expectations are per UTC day: a run straddling midnight would split them.
  expect(today).toBe(started);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** Activities the product stored for these learners (Firestore, not BigQuery), as [uid, courseId] of today's. */
async function storedActivities(): Promise<Array<[string, string | undefined]>> {
  const docs = await (await firestore()).collection("activities").where("uid", "in", learners.map((l) => l.uid)).get();
  return docs.docs
    .filter((doc) => (doc.get("occurredAt") as { toDate(): Date }).toDate().toISOString().startsWith(today))
    .map((doc) => [doc.get("uid") as string, doc.get("courseId") as string | undefined]);
}

function pearson(xs: number[], ys: number[]): number | null {
  const n = xs.length;
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / n;
  const [mx, my] = [mean(xs), mean(ys)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  return n < 2 || sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

describe("getAnalytics", () => {
  it("when learners watch, record and answer, then daily_active counts them, their activities and the seconds they first watched", async () => {
    const stored = await storedActivities();
    const watchers = [A, B, C].map((l) => l.uid);
    const { rows } = await report<{ date: string; activeLearners: number; activities: number; watchSeconds: number }>("daily_active");
    const inCourse = await report<{ activities: number; activeLearners: number }>("daily_active", { courseId: DEMO_COURSE_ID });

    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ date: today, activities: stored.length, activeLearners: new Set([...watchers, ...stored.map(([uid]) => uid)]).size });
    // A: 60 + 60 of lecture 1 and 150 of lecture 2; B: 30; C: 120, its replay adding nothing.
    expect(rows[0]?.watchSeconds).toBeCloseTo(60 + 60 + 150 + 30 + 120, 6);
    const courseActivities = stored.filter(([, courseId]) => courseId === DEMO_COURSE_ID);
    expect(inCourse.rows[0]).toMatchObject({ activities: courseActivities.length, activeLearners: new Set([...watchers, ...courseActivities.map(([uid]) => uid)]).size });
  });

  it("when a range spans days with nothing, then daily_active has a row of zeros for each of them", async () => {
    const from = new Date(Date.parse(today) - 2 * 86_400_000).toISOString().slice(0, 10);
    const { rows } = await report<{ date: string; activeLearners: number }>("daily_active", { from });

    expect(rows.map((row) => row.date)).toEqual([from, new Date(Date.parse(today) - 86_400_000).toISOString().slice(0, 10), today]);
    expect(rows.slice(0, 2).map((row) => row.activeLearners)).toEqual([0, 0]);
  });

  it("when lectures were watched, then watch_time gives each its first-watched seconds and its learners", async () => {
    const { rows } = await report<{ lectureId: string; watchSeconds: number; learners: number; courseId: string; date: string }>("watch_time", { courseId: DEMO_COURSE_ID });

    expect(rows.map((row) => [row.date, row.courseId, row.lectureId, row.learners])).toEqual([
      [today, DEMO_COURSE_ID, lecture(1).id, 3],
      [today, DEMO_COURSE_ID, lecture(2).id, 1],
    ]);
    expect(rows[0]?.watchSeconds).toBeCloseTo(120 + 30 + 120, 6);
    expect(rows[1]?.watchSeconds).toBeCloseTo(150, 6);
  });

  it("when some learners finish lectures, then lecture_funnel lists the course's lectures in order with who started and who completed", async () => {
    const { rows } = await report<{ lectureId: string; order: number; started: number; completed: number; completionRate: number }>("lecture_funnel", { courseId: DEMO_COURSE_ID });

    const expected: Record<string, [number, number]> = { [lecture(1).id]: [3, 2], [lecture(2).id]: [1, 0], [lecture(3).id]: [1, 1] };
    expect(rows.map((row) => row.lectureId)).toEqual(DEMO_LECTURES.map((l) => l.id));
    for (const row of rows) {
      const [started, completed] = expected[row.lectureId] ?? [0, 0];
      expect(row).toMatchObject({ order: DEMO_LECTURES.find((l) => l.id === row.lectureId)?.order, started, completed, completionRate: started ? completed / started : 0 });
    }
  });

  it("when learners stop part-way, then dropoff puts each in the tenth of the lecture they were last seen in, and leaves out those who finished", async () => {
    const { rows } = await report<{ lectureId: string; bucketStartSec: number; learnersLastSeenHere: number }>("dropoff", { courseId: DEMO_COURSE_ID });
    const seen = rows.filter((row) => row.learnersLastSeenHere > 0);

    // B stopped at 30 s of 120 (the third tenth, from 24 s); A at 150 s of 300 (the sixth, from 150 s). A and C finished lecture 1.
    expect(seen).toEqual([
      { courseId: DEMO_COURSE_ID, lectureId: lecture(1).id, bucketStartSec: 24, learnersLastSeenHere: 1 },
      { courseId: DEMO_COURSE_ID, lectureId: lecture(2).id, bucketStartSec: 150, learnersLastSeenHere: 1 },
    ]);
    expect(rows.filter((row) => row.lectureId === lecture(2).id).map((row) => row.bucketStartSec)).toEqual([0, 30, 60, 90, 120, 150, 180, 210, 240, 270]);
  });

  it("when questions are answered, then item_analysis gives attempts, the first attempts' p-value, the point-biserial discrimination and reviews awaited", async () => {
    const { rows } = await report<Record<string, unknown>>("item_analysis");
    const firsts = answers.filter((a) => a.attempt === 1 && a.fraction !== null);
    const totals = new Map<string, number>();
    for (const a of firsts) totals.set(a.uid, (totals.get(a.uid) ?? 0) + (a.fraction as number));

    const questions = [...new Set(answers.map((a) => a.questionId))].sort();
    expect(rows.map((row) => row["questionId"])).toEqual(questions);
    for (const row of rows) {
      const all = answers.filter((a) => a.questionId === row["questionId"]);
      const first = firsts.filter((a) => a.questionId === row["questionId"]);
      const pValue = first.length ? first.reduce((sum, a) => sum + (a.fraction as number), 0) / first.length : null;
      const discrimination = pearson(first.map((a) => a.fraction as number), first.map((a) => totals.get(a.uid) as number));
      expect(row).toMatchObject({
        attempts: all.length,
        learners: new Set(all.map((a) => a.uid)).size,
        pendingReview: all.filter((a) => a.fraction === null).length,
      });
      expect(row["meanTimeMs"]).toBeCloseTo(all.reduce((sum, a) => sum + a.timeSpentMs, 0) / all.length, 3);
      if (pValue === null) expect(row["pValue"]).toBeNull();
      else expect(row["pValue"]).toBeCloseTo(pValue, 5);
      if (discrimination === null) expect(row["discrimination"]).toBeNull();
      else expect(row["discrimination"]).toBeCloseTo(discrimination, 5);
    }
    // The data must tell the learners apart, or the check above proves nothing about the correlation.
    expect(rows.filter((row) => typeof row["discrimination"] === "number")).toHaveLength(3);
  });

  it("when competencies change, then competency_trend gives the day's mean of the learners' scores", async () => {
    const db = await firestore();
    const scores = new Map<string, number[]>();
    for (const { uid } of learners) {
      for (const doc of (await db.collection(`users/${uid}/competencies`).get()).docs) {
        const key = [doc.get("subject"), doc.get("skill"), doc.get("subskill")].join("/");
        scores.set(key, [...(scores.get(key) ?? []), doc.get("currentScore") as number]);
      }
    }
    const { rows } = await report<{ date: string; subject: string; skill: string; subskill: string; meanScore: number; learners: number }>("competency_trend");

    expect(rows.map((row) => [row.date, [row.subject, row.skill, row.subskill].join("/"), row.learners])).toEqual([...scores].map(([key, values]) => [today, key, values.length]));
    for (const row of rows) {
      const values = scores.get([row.subject, row.skill, row.subskill].join("/")) ?? [];
      expect(row.meanScore).toBeCloseTo(values.reduce((sum, v) => sum + v, 0) / values.length, 5);
    }
  });

  it("when a report is asked for again within ANALYTICS_CACHE_SECONDS, then it comes from the cache without a BigQuery query", async () => {
    const from = new Date(Date.parse(today) - 7 * 86_400_000).toISOString().slice(0, 10);
    const first = await report<unknown>("watch_time", { from });
    const queries = (await stackStats()).bigquery.queries;
    const second = await report<unknown>("watch_time", { from });

    expect(first.cached).toBe(false);
    expect(second).toEqual({ ...first, cached: true });
    expect((await stackStats()).bigquery.queries).toBe(queries);
  });

  it("when the request is malformed or the caller is no teacher, then it is refused and nothing is queried", async () => {
    const queries = (await stackStats()).bigquery.queries;
    const refused = await Promise.all([
      callFunction("getAnalytics", { report: "daily_active", from: today, to: "2020-01-01" }, teacher),
      callFunction("getAnalytics", { report: "daily_active", from: "2020-01-01", to: "2021-01-02" }, teacher),
      callFunction("getAnalytics", { report: "daily_active", from: "2026-02-30", to: "2026-03-01" }, teacher),
      callFunction("getAnalytics", { report: "daily_active", from: today, to: today, courseId: "a/b" }, teacher),
      callFunction("getAnalytics", { report: "everything", from: today, to: today }, teacher),
      callFunction("getAnalytics", { report: "daily_active", from: today, to: today, limit: 1_001 }, teacher),
    ]);
    const student = await callFunction("getAnalytics", { report: "daily_active", from: today, to: today }, A);

    expect(refused.map((r) => r.body.error?.status)).toEqual(new Array(refused.length).fill("INVALID_ARGUMENT"));
    expect(student.body.error?.status).toBe("PERMISSION_DENIED");
    expect((await stackStats()).bigquery.queries).toBe(queries);
  });
});
