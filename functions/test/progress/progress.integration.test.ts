import { describe, expect, it } from "vitest";
import { firestore } from "../../src/adapters/firestore.js";
import { hashFromReply } from "../../src/adapters/upstash.js";
import { bufferKey } from "../../src/progress/layout.js";
import { flushDeps, writeDirect } from "../../src/progress/functions.js";
import { recordPing } from "../../src/progress/ping.js";
import { windowOf } from "../../src/progress/window.js";
import { countingRedis, stackRedis, userRedis } from "../helpers/counting.js";
import { createCourse, FIVE_MIN, flushWhenFree } from "../helpers/progress.js";
import { callFunction, flushNowAsAdmin, triggersIdle, uniqueId } from "../helpers/stack.js";


describe("saveProgress and getProgress", () => {
  it("when a student pings, then getProgress shows the position and coverage before any flush", async () => {
    const { courseId, lectureIds } = await createCourse(4);
    const uid = uniqueId("stu");
    const [l1] = lectureIds as [string];
    const ping = (position: number, end: number) =>
      callFunction("saveProgress", { courseId, lectureId: l1, position, duration: 200, playedSegments: [[0, end]] }, { uid });
    expect((await ping(10, 10)).body).toEqual({ result: { message: "synced" } });
    await ping(50, 50);

    const answer = await callFunction("getProgress", { courseId }, { uid });
    expect(answer.body.result).toEqual({
      courseId,
      watchTimes: { [l1]: 50 },
      coverage: { [l1]: 0.25 },
      completedLectures: [],
      lastWatchedLecture: l1,
      completionPercentage: 0,
      totalLectures: 4,
      passedQuizzes: [],
      totalQuizzes: 0,
    });
  });

  it("when flushNow runs, then every acknowledged ping is in Firestore and the open window's fields stay buffered", async () => {
    const { courseId, lectureIds } = await createCourse(2);
    const uid = uniqueId("stu");
    await callFunction("saveProgress", { courseId, lectureId: lectureIds[0], position: 42, duration: 100, playedSegments: [[0, 42]] }, { uid });

    const flushed = await flushNowAsAdmin();
    expect(flushed.body.result).toMatchObject({ keys: expect.any(Number), writes: expect.any(Number), remainingDirty: expect.any(Number) });

    const stored = (await (await firestore()).doc(`users/${uid}/progress/${courseId}`).get()).data();
    expect(stored).toMatchObject({ watchTimes: { [lectureIds[0] as string]: 42 }, segments: { [lectureIds[0] as string]: [0, 42] } });
    // Still there for the window's own flush; rewriting them then is harmless (positions merge by ping time).
    const open = String(windowOf(Date.now(), FIVE_MIN));
    const fields = Object.keys(hashFromReply(await userRedis(uid).hgetall(bufferKey(uid, courseId))));
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.every((field) => field.startsWith(`${open}:`))).toBe(true);
  });

  it("when a non-admin calls flushNow, then PERMISSION_DENIED", async () => {
    const answer = await callFunction("flushNow", {});
    expect(answer.body.error?.status).toBe("PERMISSION_DENIED");
  });

  it("when a ping is malformed, then INVALID_ARGUMENT names each field and nothing is written to Redis", async () => {
    const uid = uniqueId("stu");
    const answer = await callFunction(
      "saveProgress",
      { courseId: "a/b", lectureId: "l1", position: Number.MAX_VALUE, playedSegments: [[5, 1]], extra: true },
      { uid },
    );
    expect(answer.body.error?.status).toBe("INVALID_ARGUMENT");
    const paths = (answer.body.error?.details as { path: string }[]).map((issue) => issue.path).sort();
    expect(paths).toEqual(["courseId", "extra", "playedSegments.0", "position"]);
    expect(await userRedis(uid).exists(bufferKey(uid, "a"))).toBe(0);
  });
});

describe("the ping's cost", () => {
  it("when a key pings 60 times across two windows, then it spends exactly 60 billed commands and no Firestore operation", async () => {
    const uid = uniqueId("stu");
    const { client, counter } = countingRedis(userRedis(uid));
    let firestoreWrites = 0;
    let now = 1_000 * FIVE_MIN + 150_000; // half-way through a window: the pings cross into the next
    const deps = { cache: client, writeDirect: async () => void firestoreWrites++, windowMs: FIVE_MIN, now: () => (now += 5_000) };
    for (let i = 0; i < 60; i++) {
      await recordPing(deps, uid, { courseId: "c1", lectureId: "l1", position: i * 5, duration: 600, playedSegments: [[0, i * 5 + 5]] });
    }
    expect(counter.byCommand()).toEqual({ HSET: 60 });
    expect(firestoreWrites).toBe(0);
    await userRedis(uid).del(bufferKey(uid, "c1"));
  });
});

describe("degraded mode", () => {
  it("when Upstash is unreachable, then the ping is still acknowledged and lands in Firestore", async () => {
    const { courseId, lectureIds } = await createCourse(1);
    const uid = uniqueId("stu");
    const lectureId = lectureIds[0] as string;
    const deadRedis = stackRedis({ url: "http://127.0.0.1:9", timeoutMs: 300 }); // nothing listens on the discard port
    const outcome = await recordPing({ cache: deadRedis, writeDirect, windowMs: FIVE_MIN }, uid, {
      courseId,
      lectureId,
      position: 77,
      duration: 100,
      playedSegments: [[0, 77]],
    });
    expect(outcome).toBe("degraded");
    const stored = (await (await firestore()).doc(`users/${uid}/progress/${courseId}`).get()).data();
    expect(stored).toMatchObject({ watchTimes: { [lectureId]: 77 }, coverage: { [lectureId]: 0.77 }, lastWatchedLecture: lectureId });
  });
});

describe("the flush", () => {
  it("when a window has closed, then the flush writes its keys and deletes them", async () => {
    const { courseId, lectureIds } = await createCourse(2);
    const uid = uniqueId("stu");
    const lectureId = lectureIds[0] as string;
    const window = windowOf(Date.now(), FIVE_MIN) - 3; // a window that closed 10+ minutes ago
    const redis = userRedis(uid);
    const pingAt = (atMs: number, position: number) =>
      recordPing({ cache: redis, writeDirect, windowMs: FIVE_MIN, now: () => atMs }, uid, { courseId, lectureId, position, duration: 100, playedSegments: [[0, position]] });
    await pingAt(window * FIVE_MIN + 1_000, 20);
    await pingAt(window * FIVE_MIN + 6_000, 30);

    await flushWhenFree(await flushDeps());

    const stored = (await (await firestore()).doc(`users/${uid}/progress/${courseId}`).get()).data();
    expect(stored).toMatchObject({ watchTimes: { [lectureId]: 30 }, segments: { [lectureId]: [0, 30] } });
    expect(await redis.exists(bufferKey(uid, courseId))).toBe(0);
  });

  it("when a late ping lands in a window that was already drained, then the next flush still finds it", async () => {
    const { courseId, lectureIds } = await createCourse(1);
    const uid = uniqueId("stu");
    const lectureId = lectureIds[0] as string;
    const redis = userRedis(uid);
    const window = windowOf(Date.now(), FIVE_MIN) - 5;
    const pingAt = (atMs: number, position: number) =>
      recordPing({ cache: redis, writeDirect, windowMs: FIVE_MIN, now: () => atMs }, uid, { courseId, lectureId, position });
    await pingAt(window * FIVE_MIN + 1_000, 11);
    await flushWhenFree(await flushDeps());
    await pingAt(window * FIVE_MIN + 2_000, 12); // acknowledged for the drained window, arriving late

    await flushWhenFree(await flushDeps());
    const stored = (await (await firestore()).doc(`users/${uid}/progress/${courseId}`).get()).data();
    expect(stored?.["watchTimes"]).toEqual({ [lectureId]: 12 });
  });

  it("when coverage passes the threshold at 23:58 in the learner's time zone and the flush runs after midnight, then the completion counts for the earlier day", async () => {
    const timeZone = "America/Los_Angeles";
    const localTime = (ms: number) => new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(ms);
    const localDate = (ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone }).format(ms);
    // The latest 23:58 there that is at least an hour ago: its window has closed, and now is on a later local day.
    let pingAtMs = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
    while (localTime(pingAtMs) !== "23:58") pingAtMs -= 60_000;
    const { courseId, lectureIds } = await createCourse(2);
    const uid = uniqueId("stu");
    const lectureId = lectureIds[0] as string;
    const db = await firestore();
    await db.doc(`users/${uid}`).set({ timezone: timeZone });
    await recordPing({ cache: userRedis(uid), writeDirect, windowMs: FIVE_MIN, now: () => pingAtMs }, uid, {
      courseId,
      lectureId,
      position: 95,
      duration: 100,
      playedSegments: [[0, 95]],
    });

    await flushWhenFree(await flushDeps());

    const day = localDate(pingAtMs);
    expect(localDate(Date.now())).not.toBe(day);
    expect((await db.doc(`users/${uid}/activityDays/${day}`).get()).get("count")).toBe(1);
    expect((await db.doc(`users/${uid}`).get()).data()).toMatchObject({ lastActiveDate: day, currentStreak: 1, totalCompletedLectures: 1 });
  });

  it("when coverage passes the threshold, then the flush completes the lecture exactly as completeLecture would", async () => {
    const { courseId, lectureIds } = await createCourse(4);
    const uid = uniqueId("stu");
    const lectureId = lectureIds[1] as string;
    const window = windowOf(Date.now(), FIVE_MIN) - 2;
    await recordPing({ cache: userRedis(uid), writeDirect, windowMs: FIVE_MIN, now: () => window * FIVE_MIN + 1 }, uid, {
      courseId,
      lectureId,
      position: 95,
      duration: 100,
      playedSegments: [[0, 60], [55, 95]],
    });
    await flushWhenFree(await flushDeps());

    const db = await firestore();
    expect((await db.doc(`users/${uid}/progress/${courseId}`).get()).data()).toMatchObject({
      completedLectures: [lectureId],
      completionPercentage: 25,
      coverage: { [lectureId]: 0.95 },
    });
    expect((await db.doc(`users/${uid}`).get()).data()).toMatchObject({ totalCompletedLectures: 1, currentStreak: 1, totalActiveDays: 1 });
  });
});

describe("completeLecture", () => {
  it("when a lecture is completed twice, then the second call changes nothing", async () => {
    const { courseId, lectureIds } = await createCourse(3);
    const uid = uniqueId("stu");
    const first = await callFunction("completeLecture", { courseId, lectureId: lectureIds[0] }, { uid });
    const second = await callFunction("completeLecture", { courseId, lectureId: lectureIds[0] }, { uid });
    expect(first.body.result).toEqual({ message: "completed", completionPercentage: 33.3, currentStreak: 1 });
    expect(second.body.result).toEqual(first.body.result);
    const stats = await callFunction("getStudentStats", {}, { uid });
    expect(stats.body.result).toMatchObject({ totalCompletedLectures: 1, currentStreak: 1, totalActiveDays: 1 });
  });

  it("when the lecture does not exist, then NOT_FOUND and nothing is written", async () => {
    const { courseId } = await createCourse(1);
    const uid = uniqueId("stu");
    const answer = await callFunction("completeLecture", { courseId, lectureId: "no-such-lecture" }, { uid });
    expect(answer.body.error?.status).toBe("NOT_FOUND");
    expect((await (await firestore()).doc(`users/${uid}`).get()).exists).toBe(false);
  });
});

describe("getCourseProgress and the lecture counter", () => {
  it("when a student has progress in two courses, then getCourseProgress lists both", async () => {
    const uid = uniqueId("stu");
    const a = await createCourse(1);
    const b = await createCourse(2);
    await callFunction("completeLecture", { courseId: a.courseId, lectureId: a.lectureIds[0] }, { uid });
    await callFunction("completeLecture", { courseId: b.courseId, lectureId: b.lectureIds[0] }, { uid });
    const answer = await callFunction("getCourseProgress", {}, { uid });
    const courses = (answer.body.result as { courses: { courseId: string; completionPercentage: number }[] }).courses;
    expect(courses.map((c) => [c.courseId, c.completionPercentage]).sort()).toEqual([[a.courseId, 100], [b.courseId, 50]].sort());
  });

  // With an external emulator (FIRESTORE_EMULATOR_HOST) this stack fires no triggers; firebase emulators:start does.
  it.skipIf(process.env["LEARNPULSE_TRIGGERS"] === "none")("when lectures are added and removed, then the course's totalLectures follows", async () => {
    const { courseId } = await createCourse(2);
    const db = await firestore();
    await db.doc(`courses/${courseId}/lectures/extra-1`).set({ title: "extra" });
    await db.doc(`courses/${courseId}/lectures/extra-2`).set({ title: "extra" });
    await triggersIdle();
    expect((await db.doc(`courses/${courseId}`).get()).get("totalLectures")).toBe(4);
    await db.doc(`courses/${courseId}/lectures/extra-1`).delete();
    await triggersIdle();
    expect((await db.doc(`courses/${courseId}`).get()).get("totalLectures")).toBe(3);
  });
});
