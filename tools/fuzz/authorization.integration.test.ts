/**
 * Authorization over HTTP, for every callable the functions export (found from the loaded functions, not listed):
 * no token or a malformed one is UNAUTHENTICATED, admin callables refuse non-admins, and no callable lets user A read
 * or change user B's data — not with B's uid planted in the payload, not with ids that carry path separators, not with
 * a token whose uid is a path. On a stack of this file's own (helpers/own-stack.ts), so that "writes nothing" is
 * counted exactly at the stand-ins.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTRACTS, genericPayload } from "./contracts.ts";
import type { FuzzTarget } from "./runner.ts";
import { prepareFuzzing } from "./stack.ts";
import type { Stack } from "@learnpulse/local-stack";
import type { TokenClaims } from "@learnpulse/local-stack/tokens.ts";
import { firestore } from "../../functions/src/adapters/firestore.js";
import { bufferKey } from "../../functions/src/progress/layout.js";
import { userRedis } from "../../functions/test/helpers/counting.js";
import { startOwnStack } from "../../functions/test/helpers/own-stack.js";
import { callFunction, uniqueId, type CallAnswer } from "../../functions/test/helpers/stack.js";

/** API.md "Operations (admin)", and the admin's erasure of a learner ("Data rights"). */
const ADMIN_CALLABLES = ["flushNow", "getSyncStatus", "reconcile", "replayDeadLetters", "replayQuarantine", "deleteUserData"];
/** API.md "Reviews (teacher)" and "Analytics (teacher)": a teacher or an admin. */
const TEACHER_CALLABLES = ["listPendingReviews", "reviewAnswer", "getAnalytics"];
const COURSE = "demo-course";

let stack: Stack;
let targets: FuzzTarget[];
beforeAll(async () => {
  stack = await startOwnStack();
  targets = await prepareFuzzing(stack);
});
afterAll(() => stack?.stop());

/** One valid payload per callable, from the same contract generators as the fuzzer. */
const validPayload = (name: string) => fc.sample(CONTRACTS[name] ?? genericPayload, { seed: 7, numRuns: 1 })[0];
const status = (answer: CallAnswer) => `${answer.status} ${answer.body.error?.status ?? "OK"}`;

/** Firestore writes and Upstash commands at this file's stand-ins, after every trigger has run. */
async function counts(): Promise<{ firestoreWrites: number | undefined; redisCommands: number }> {
  await stack.triggers.idle();
  return { firestoreWrites: stack.firestore?.stats().writes, redisCommands: stack.redis.commands() };
}

async function rawCall(name: string, authorization: string | undefined): Promise<CallAnswer> {
  const response = await fetch(stack.host.urlOf(name), {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify({ data: validPayload(name) }),
  });
  return { status: response.status, body: (await response.json()) as CallAnswer["body"] };
}

const base64url = (value: string) => Buffer.from(value).toString("base64url");
const MALFORMED_TOKENS = {
  "no scheme": "abc",
  "empty bearer": "Bearer ",
  "not a JWT": "Bearer not-a-jwt",
  "payload not JSON": `Bearer ${base64url('{"alg":"none"}')}.${base64url("{oops")}.`,
  "no uid in it": `Bearer ${base64url('{"alg":"none"}')}.${base64url('{"aud":"demo-learnpulse"}')}.`,
  "Basic credentials": `Basic ${base64url("user:password")}`,
};

describe("authentication", () => {
  it("when a callable is called without a token, then every one answers UNAUTHENTICATED and nothing is written", async () => {
    const before = await counts();
    const answers = await Promise.all(targets.map(async ({ name }) => [name, status(await rawCall(name, undefined))]));
    expect(answers).toEqual(targets.map(({ name }) => [name, "401 UNAUTHENTICATED"]));
    expect(await counts()).toEqual(before);
  });

  it.each(Object.entries(MALFORMED_TOKENS))("when the token is malformed (%s), then every callable answers UNAUTHENTICATED", async (_what, authorization) => {
    const before = await counts();
    const answers = await Promise.all(targets.map(async ({ name }) => [name, status(await rawCall(name, authorization))]));
    expect(answers).toEqual(targets.map(({ name }) => [name, "401 UNAUTHENTICATED"]));
    expect(await counts()).toEqual(before);
  });
});

describe("admin callables", () => {
  it("when the callables are probed by a plain user, then exactly API.md's admin and teacher callables refuse", () => {
    expect(targets.filter((target) => target.admin).map((target) => target.name).sort()).toEqual([...ADMIN_CALLABLES, ...TEACHER_CALLABLES].sort());
  });

  it("when a teacher calls them, then the admin operations refuse and the teacher's queue answers", async () => {
    const teacher = { claims: { teacher: true } };
    const answers = await Promise.all(ADMIN_CALLABLES.map(async (name) => [name, status(await callFunction(name, validPayload(name), teacher))]));
    expect(answers).toEqual(ADMIN_CALLABLES.map((name) => [name, "403 PERMISSION_DENIED"]));
    expect(status(await callFunction("listPendingReviews", { limit: 5 }, teacher))).toBe("200 OK");
    const today = new Date().toISOString().slice(0, 10);
    expect(status(await callFunction("getAnalytics", { report: "item_analysis", from: today, to: today }, teacher))).toBe("200 OK");
  });

  it.each([
    ["no admin claim", {}],
    ["admin: false", { admin: false }],
    ['admin: "true" (a string)', { admin: "true" }],
    ["admin: 1", { admin: 1 }],
  ])("when a user with %s calls an admin callable with a valid payload, then it answers PERMISSION_DENIED and writes nothing", async (_what, claims) => {
    const before = await counts();
    // Claims as a token could carry them, not as TokenClaims types them (admin: boolean).
    const asToken = claims as TokenClaims;
    const answers = await Promise.all(ADMIN_CALLABLES.map(async (name) => [name, status(await callFunction(name, validPayload(name), { claims: asToken }))]));
    expect(answers).toEqual(ADMIN_CALLABLES.map((name) => [name, "403 PERMISSION_DENIED"]));
    expect(await counts()).toEqual(before);
  });

  it("when an admin calls them, then they run (the refusal above is about the claim, not the payload)", async () => {
    const answers = await Promise.all(ADMIN_CALLABLES.map(async (name) => [name, status(await callFunction(name, validPayload(name), { claims: { admin: true } }))]));
    expect(answers).toEqual(ADMIN_CALLABLES.map((name) => [name, "200 OK"]));
  });
});

/** Everything LearnPulse keeps about a user: their documents and subcollections, their feed entries and answers, their Redis hash. */
async function footprint(uid: string): Promise<unknown> {
  const db = await firestore();
  const user = db.doc(`users/${uid}`);
  const subcollections = await user.listCollections();
  const nested = await Promise.all(subcollections.map(async (collection) => (await collection.get()).docs.map((doc) => [doc.ref.path, doc.data()])));
  const owned = await Promise.all(["activities", "answers"].map(async (name) => (await db.collection(name).where("uid", "==", uid).get()).docs.map((doc) => [doc.ref.path, doc.data()])));
  const redis = await userRedis(uid).hgetall(bufferKey(uid, COURSE));
  return { user: (await user.get()).data() ?? null, nested: nested.flat(), owned: owned.flat(), redis };
}

describe("one user and another's data", () => {
  const victim = uniqueId("victim");
  let victimBefore: unknown;
  beforeAll(async () => {
    const as = { uid: victim };
    const calls = [
      await callFunction("saveProgress", { courseId: COURSE, lectureId: "demo-lecture-2", position: 42, duration: 300, playedSegments: [[0, 42]] }, as),
      await callFunction("completeLecture", { courseId: COURSE, lectureId: "demo-lecture-1" }, as),
      await callFunction("recordActivity", { type: "course_view", courseId: COURSE, clientEventId: "victim-ev-1" }, as),
      await callFunction("submitAnswer", { questionId: "demo-q-true_false", attemptId: "victim-att-1", answer: { value: true }, timeSpentMs: 1_000 }, as),
    ];
    expect(calls.map(status)).toEqual(["200 OK", "200 OK", "200 OK", "200 OK"]);
    victimBefore = await footprint(victim);
  });

  it("when A reads progress, courses, heat map and stats, then A sees none of B's data", async () => {
    const as = { uid: uniqueId("reader") };
    const progress = await callFunction("getProgress", { courseId: COURSE }, as);
    expect(progress.body.result).toMatchObject({ watchTimes: {}, coverage: {}, completedLectures: [], lastWatchedLecture: null, completionPercentage: 0 });
    expect((await callFunction("getCourseProgress", {}, as)).body.result).toEqual({ courses: [] });
    const heatmap = (await callFunction("getHeatmap", { days: 7 }, as)).body.result as { days: { count: number }[] };
    expect(heatmap.days.map((day) => day.count)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect((await callFunction("getStudentStats", {}, as)).body.result).toMatchObject({ currentStreak: 0, totalCompletedLectures: 0, totalActiveDays: 0 });
    // The same reads as B do show B's data: the reads above would have seen it had they looked at B.
    expect((await callFunction("getProgress", { courseId: COURSE }, { uid: victim })).body.result).toMatchObject({ completedLectures: ["demo-lecture-1"] });
  });

  it.each(["uid", "userId", "user", "studentId", "student_id", "owner"])(
    "when A plants B's id as %s in any callable's payload, then the strict schema refuses it and nothing of B's changes",
    async (field) => {
      const before = await counts();
      // deleteUserData's `uid` is its admin's target by contract (API.md "Data rights"), not a planted one.
      const planted = targets.filter(({ name }) => !(name === "deleteUserData" && field === "uid"));
      const answers = await Promise.all(
        planted.map(async ({ name, admin }) => {
          const payload = { ...(validPayload(name) as object), [field]: victim };
          return [name, status(await callFunction(name, payload, { uid: uniqueId("attacker"), claims: { admin } }))];
        }),
      );
      expect(answers).toEqual(planted.map(({ name }) => [name, "400 INVALID_ARGUMENT"]));
      expect(await counts()).toEqual(before);
      expect(await footprint(victim)).toEqual(victimBefore);
    },
  );

  it("when A's ids carry path separators or key separators that point at B, then they are refused and nothing of B's changes", async () => {
    const traps = [`../users/${victim}`, `users/${victim}/progress/${COURSE}`, `${COURSE}/../../${victim}`, `${victim}:${COURSE}`, "..", ".", "", "__name__"];
    const attacker = { uid: uniqueId("attacker") };
    const before = await counts();
    const answers = await Promise.all(
      traps.flatMap((trap) => [
        callFunction("saveProgress", { courseId: trap, lectureId: "demo-lecture-2", position: 1 }, attacker),
        callFunction("saveProgress", { courseId: COURSE, lectureId: trap, position: 1 }, attacker),
        callFunction("completeLecture", { courseId: COURSE, lectureId: trap }, attacker),
        callFunction("getProgress", { courseId: trap }, attacker),
        callFunction("recordActivity", { type: "course_view", courseId: trap, clientEventId: "victim-ev-1" }, attacker),
        callFunction("submitAnswer", { questionId: trap, attemptId: "victim-att-1", answer: { value: true }, timeSpentMs: 1 }, attacker),
      ]),
    );
    expect(new Set(answers.map(status))).toEqual(new Set(["400 INVALID_ARGUMENT"]));
    expect(await counts()).toEqual(before);
    expect(await footprint(victim)).toEqual(victimBefore);
  });

  it("when A's token names a uid that is a path or a key (users/B, B/progress, B:course), then every callable refuses it", async () => {
    for (const uid of [`users/${victim}`, `${victim}/progress`, `${victim}:${COURSE}`, `../${victim}`]) {
      const answers = await Promise.all(targets.map(async ({ name }) => [name, status(await callFunction(name, validPayload(name), { uid, claims: { admin: true } }))]));
      expect(answers).toEqual(targets.map(({ name }) => [name, "403 PERMISSION_DENIED"]));
    }
    expect(await footprint(victim)).toEqual(victimBefore);
  });

  it("when A writes with the same ids B used (same course, lecture, clientEventId, attemptId), then A's writes land under A only", async () => {
    const attacker = uniqueId("attacker");
    const as = { uid: attacker };
    const answers = [
      await callFunction("saveProgress", { courseId: COURSE, lectureId: "demo-lecture-2", position: 7 }, as),
      await callFunction("completeLecture", { courseId: COURSE, lectureId: "demo-lecture-3" }, as),
      await callFunction("recordActivity", { type: "course_view", courseId: COURSE, clientEventId: "victim-ev-1" }, as),
      await callFunction("submitAnswer", { questionId: "demo-q-true_false", attemptId: "victim-att-1", answer: { value: false }, timeSpentMs: 1 }, as),
    ];
    expect(answers.map(status)).toEqual(["200 OK", "200 OK", "200 OK", "200 OK"]);
    expect(answers.slice(2).map((answer) => (answer.body.result as { duplicate: boolean }).duplicate)).toEqual([false, false]);
    expect(await footprint(victim)).toEqual(victimBefore);
    expect(await footprint(attacker)).toMatchObject({ user: expect.any(Object), redis: expect.any(Object), owned: expect.arrayContaining([expect.any(Array)]) });
  });
});
