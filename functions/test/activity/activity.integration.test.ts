import { describe, expect, it } from "vitest";
import { recordActivity } from "../../src/activity/record.js";
import { readHeatmap } from "../../src/activity/heatmap.js";
import { firestore, firestoreKit } from "../../src/adapters/firestore.js";
import type { RecordActivityRequest } from "../../src/schemas/activity.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

const device = { userAgent: "test", platform: "linux" as const, ipNetwork: "192.0.2.0/24" };
const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

async function newUser(timezone?: string): Promise<string> {
  const uid = uniqueId("act");
  if (timezone) await (await firestore()).doc(`users/${uid}`).set({ timezone });
  return uid;
}

/** Records a login that happened at `iso`, as seen by a server whose clock reads `iso` too. */
async function loginAt(uid: string, iso: string, clientEventId = uniqueId("evt")) {
  const input: RecordActivityRequest = { type: "login", clientEventId, occurredAt: at(iso) };
  return recordActivity(await firestoreKit(), uid, input, device, at(iso));
}

async function userDoc(uid: string) {
  return (await (await firestore()).doc(`users/${uid}`).get()).data();
}

describe("recordActivity", () => {
  it("when the same clientEventId is sent twice, then it records once and the second answer says duplicate", async () => {
    const uid = await newUser();
    const first = await loginAt(uid, "2026-11-10T10:00:00Z", "evt-1");
    const second = await loginAt(uid, "2026-11-10T10:00:05Z", "evt-1");
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ activityId: first.activityId, duplicate: true });
    const db = await firestore();
    expect((await db.collection("activities").where("uid", "==", uid).get()).size).toBe(1);
    expect((await db.doc(`users/${uid}/activityDays/2026-11-10`).get()).get("count")).toBe(1);
  });

  it("when ten calls with one clientEventId race, then exactly one records", async () => {
    const uid = await newUser();
    const answers = await Promise.all(Array.from({ length: 10 }, () => loginAt(uid, "2026-11-10T10:00:00Z", "racing")));
    expect(answers.filter((answer) => !answer.duplicate)).toHaveLength(1);
    expect(new Set(answers.map((answer) => answer.activityId)).size).toBe(1);
    const db = await firestore();
    expect((await db.doc(`users/${uid}/activityDays/2026-11-10`).get()).get("count")).toBe(1);
    expect(await userDoc(uid)).toMatchObject({ totalActiveDays: 1, currentStreak: 1 });
  });

  it("when a user in Pacific/Auckland acts at 11:30 UTC, then it counts on their next local day", async () => {
    const uid = await newUser("Pacific/Auckland");
    await loginAt(uid, "2026-11-10T11:30:00Z"); // 00:30 on the 11th in Auckland (UTC+13)
    expect(await userDoc(uid)).toMatchObject({ lastActiveDate: "2026-11-11" });
  });

  it("when a user in America/Los_Angeles acts at 05:00 UTC, then it counts on their previous local day", async () => {
    const uid = await newUser("America/Los_Angeles");
    await loginAt(uid, "2026-11-10T05:00:00Z"); // 21:00 on the 9th in Los Angeles (UTC-8)
    expect(await userDoc(uid)).toMatchObject({ lastActiveDate: "2026-11-09" });
    const days = await readHeatmap(await firestore(), uid, 3, at("2026-11-10T06:00:00Z"));
    expect(days.days).toEqual([
      { date: "2026-11-07", count: 0 },
      { date: "2026-11-08", count: 0 },
      { date: "2026-11-09", count: 1 },
    ]);
  });

  it("when three consecutive days are active, then a gap, then a late activity fills the gap, then the streak is recomputed", async () => {
    const uid = await newUser();
    await loginAt(uid, "2026-11-01T09:00:00Z");
    await loginAt(uid, "2026-11-02T09:00:00Z");
    await loginAt(uid, "2026-11-02T18:00:00Z"); // a day counts once
    await loginAt(uid, "2026-11-03T09:00:00Z");
    expect(await userDoc(uid)).toMatchObject({ currentStreak: 3, longestStreak: 3, totalActiveDays: 3 });

    await loginAt(uid, "2026-11-05T09:00:00Z");
    expect(await userDoc(uid)).toMatchObject({ currentStreak: 1, longestStreak: 3, lastActiveDate: "2026-11-05", totalActiveDays: 4 });

    // Sent on the 5th from an offline queue: it happened on the 4th.
    const late: RecordActivityRequest = { type: "course_view", courseId: "c1", clientEventId: uniqueId("late"), occurredAt: at("2026-11-04T20:00:00Z") };
    await recordActivity(await firestoreKit(), uid, late, device, at("2026-11-05T10:00:00Z"));
    expect(await userDoc(uid)).toMatchObject({ currentStreak: 5, longestStreak: 5, lastActiveDate: "2026-11-05", totalActiveDays: 5 });
  });

  it("when a late activity reaches the server more than 72 hours after it happened, then its day counts but the streak it would repair does not", async () => {
    const repaired = await newUser();
    const kept = await newUser();
    for (const uid of [repaired, kept]) {
      await loginAt(uid, "2026-11-01T09:00:00Z");
      await loginAt(uid, "2026-11-02T09:00:00Z");
      await loginAt(uid, "2026-11-04T12:00:00Z"); // the 3rd missed
    }
    const onThe3rd = (id: string): RecordActivityRequest => ({ type: "login", clientEventId: id, occurredAt: at("2026-11-03T12:00:00Z") });
    // 72 hours after it happened: still in time to repair the run.
    await recordActivity(await firestoreKit(), repaired, onThe3rd(uniqueId("late")), device, at("2026-11-06T12:00:00Z"));
    // A minute later: the day counts, the streak does not move.
    await recordActivity(await firestoreKit(), kept, onThe3rd(uniqueId("late")), device, at("2026-11-06T12:01:00Z"));
    expect(await userDoc(repaired)).toMatchObject({ currentStreak: 4, longestStreak: 4, totalActiveDays: 4 });
    expect(await userDoc(kept)).toMatchObject({ currentStreak: 1, longestStreak: 2, lastActiveDate: "2026-11-04", totalActiveDays: 4 });
    const days = await readHeatmap(await firestore(), kept, 4, at("2026-11-04T13:00:00Z"));
    expect(days.days.map((day) => day.count)).toEqual([1, 1, 1, 1]);
  });

  it("when occurredAt is more than 7 days old or 5 minutes ahead, then invalid-argument and nothing is written", async () => {
    const uid = await newUser();
    const now = at("2026-11-10T10:00:00Z");
    const kit = await firestoreKit();
    const old: RecordActivityRequest = { type: "login", clientEventId: "old", occurredAt: now - 8 * DAY };
    const ahead: RecordActivityRequest = { type: "login", clientEventId: "ahead", occurredAt: now + 6 * 60_000 };
    await expect(recordActivity(kit, uid, old, device, now)).rejects.toMatchObject({ code: "invalid-argument" });
    await expect(recordActivity(kit, uid, ahead, device, now)).rejects.toMatchObject({ code: "invalid-argument" });
    expect(await userDoc(uid)).toBeUndefined();
  });
});

describe("recordActivity over HTTP", () => {
  it("when an activity is recorded, then it stores the device context without the raw IP", async () => {
    const uid = uniqueId("http");
    const answer = await callFunction("recordActivity", { type: "lecture_view", courseId: "c1", lectureId: "l1", clientEventId: "e1", metadata: { source: "web" } }, { uid });
    const { activityId } = answer.body.result as { activityId: string };
    const stored = (await (await firestore()).doc(`activities/${activityId}`).get()).data();
    expect(stored).toMatchObject({ uid, type: "lecture_view", courseId: "c1", lectureId: "l1", metadata: { source: "web" } });
    expect(stored?.["device"]).toMatchObject({ ipNetwork: "127.0.0.0/24" });
    expect(JSON.stringify(stored)).not.toContain("127.0.0.1");
  });

  it.each([
    [{ type: "course_view", clientEventId: "e" }, ["courseId"]],
    [{ type: "login", clientEventId: "e", courseId: "c1" }, ["courseId"]],
    [{ type: "quiz_start", clientEventId: "e" }, ["quizId"]],
    [{ type: "teleport", clientEventId: "e" }, ["type"]],
    [{ type: "login", clientEventId: "a/b" }, ["clientEventId"]],
    [{ type: "login", clientEventId: "e", metadata: { nested: { a: 1 } } }, ["metadata.nested"]],
    [{ type: "login", clientEventId: "e", metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])) }, ["metadata"]],
  ])("when the payload is %j, then INVALID_ARGUMENT names %j", async (payload, paths) => {
    const answer = await callFunction("recordActivity", payload);
    expect(answer.body.error?.status).toBe("INVALID_ARGUMENT");
    expect((answer.body.error?.details as { path: string }[]).map((issue) => issue.path)).toEqual(paths);
  });
});

describe("getHeatmap", () => {
  it("when asked for 30 days, then it answers 30 days oldest first, today last, zeros included", async () => {
    const uid = uniqueId("heat");
    await callFunction("recordActivity", { type: "login", clientEventId: "h1" }, { uid });
    await callFunction("recordActivity", { type: "search", clientEventId: "h2" }, { uid });
    const answer = await callFunction("getHeatmap", { days: 30 }, { uid });
    const days = (answer.body.result as { days: { date: string; count: number }[] }).days;
    expect(days).toHaveLength(30);
    expect(days.map((day) => day.date)).toEqual([...days.map((day) => day.date)].sort());
    expect(days.at(-1)).toEqual({ date: new Date().toISOString().slice(0, 10), count: 2 });
    expect(days.slice(0, -1).every((day) => day.count === 0)).toBe(true);
  });

  it("when days is omitted, then 365 days; when out of range, then INVALID_ARGUMENT", async () => {
    const defaults = await callFunction("getHeatmap", {});
    expect((defaults.body.result as { days: unknown[] }).days).toHaveLength(365);
    expect((await callFunction("getHeatmap", { days: 367 })).body.error?.status).toBe("INVALID_ARGUMENT");
  });
});
