/**
 * updateProfile and getProfile through the callable host, and the learner's day: activities are dated in the zone in
 * force when they happened (the use cases with a set clock, on the stack's Firestore, for the instants that matter).
 */
import { describe, expect, it } from "vitest";
import { firestoreKit } from "../../src/adapters/firestore.js";
import { localDate } from "../../src/activity/days.js";
import { readHeatmap } from "../../src/activity/heatmap.js";
import { recordActivity } from "../../src/activity/record.js";
import { readStudentStats } from "../../src/activity/stats.js";
import { updateProfile } from "../../src/profile/profile.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

const DEVICE = { deviceType: "desktop", os: "linux", browser: "chrome", ipNetwork: null } as never;
const HOUR = 3_600_000;

/** The instant at which the clock in `zone` reads `date` at `hour`:00 (the zone's offset found by Intl, twice for DST). */
function instantAt(date: string, hour: number, zone: string): number {
  const wanted = Date.parse(`${date}T${String(hour).padStart(2, "0")}:00:00Z`);
  let guess = wanted;
  for (let i = 0; i < 3; i++) {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-CA", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
        .formatToParts(guess)
        .map((part) => [part.type, part.value]),
    );
    const shown = Date.parse(`${parts["year"]}-${parts["month"]}-${parts["day"]}T${parts["hour"]}:${parts["minute"]}:00Z`);
    guess += wanted - shown;
  }
  return guess;
}

describe("the profile", () => {
  it("when a learner who never set anything asks, then UTC, no name, no locale and no role", async () => {
    const uid = uniqueId("prof");
    expect((await callFunction("getProfile", {}, { uid })).body.result).toEqual({ uid, timezone: "UTC", displayName: null, locale: null, roles: [] });
  });

  it("when a learner sets a time zone, a name and a locale, then getProfile answers them, and the roles come from the token's claims", async () => {
    const uid = uniqueId("prof");
    const set = await callFunction("updateProfile", { timezone: "America/Los_Angeles", displayName: "Ada L.", locale: "en-US" }, { uid });
    expect(set.body.result).toEqual({ timezone: "America/Los_Angeles", displayName: "Ada L.", locale: "en-US" });
    expect((await callFunction("updateProfile", { locale: "de-CH" }, { uid })).body.result).toEqual({ timezone: "America/Los_Angeles", displayName: "Ada L.", locale: "de-CH" });
    expect((await callFunction("getProfile", {}, { uid, claims: { teacher: true } })).body.result).toMatchObject({ timezone: "America/Los_Angeles", roles: ["teacher"] });
    expect((await callFunction("getProfile", {}, { uid, claims: { admin: true } })).body.result).toMatchObject({ roles: ["admin", "teacher"] });
  });

  it.each([
    ["an empty request", {}, ""],
    ["a zone the runtime does not know", { timezone: "Mars/Olympus_Mons" }, "timezone"],
    ["an offset instead of a zone name", { timezone: "+01:00" }, "timezone"],
    ["a path in the zone", { timezone: "../../users" }, "timezone"],
    ["an empty name", { displayName: "" }, "displayName"],
    ["a name of 81 characters", { displayName: "x".repeat(81) }, "displayName"],
    ["a locale that is not a language tag", { locale: "not a locale!" }, "locale"],
    ["a field the contract does not have", { timezone: "UTC", uid: "someone-else" }, "uid"],
  ])("when the request has %s, then INVALID_ARGUMENT and nothing is written", async (_what, data, path) => {
    const uid = uniqueId("prof");
    const answer = await callFunction("updateProfile", data, { uid });
    expect(answer.body.error?.status).toBe("INVALID_ARGUMENT");
    expect((answer.body.error?.details as { path: string }[]).map((issue) => issue.path)).toContain(path);
    expect((await (await firestoreKit()).db.doc(`users/${uid}`).get()).exists).toBe(false);
  });

  it("when nobody is signed in, then UNAUTHENTICATED", async () => {
    expect((await callFunction("updateProfile", { timezone: "UTC" }, { uid: null })).body.error?.status).toBe("UNAUTHENTICATED");
    expect((await callFunction("getProfile", {}, { uid: null })).body.error?.status).toBe("UNAUTHENTICATED");
  });

  it("when a learner far from UTC is active now, then the square is the local day's, not the UTC day's", async () => {
    const uid = uniqueId("far");
    // A zone whose date differs from UTC's right now: UTC+14 from 10:00 UTC, UTC-11 before 11:00 UTC.
    const zone = ["Pacific/Kiritimati", "Pacific/Pago_Pago"].find((candidate) => localDate(Date.now(), candidate) !== localDate(Date.now(), "UTC")) as string;
    await callFunction("updateProfile", { timezone: zone }, { uid });
    expect((await callFunction("recordActivity", { type: "login", clientEventId: uniqueId("ev") }, { uid })).status).toBe(200);
    const days = (await callFunction("getHeatmap", { days: 3 }, { uid })).body.result as { days: { date: string; count: number }[] };
    expect(days.days.filter((day) => day.count > 0)).toEqual([{ date: localDate(Date.now(), zone), count: 1 }]);
    expect(days.days.at(-1)?.date).toBe(localDate(Date.now(), zone));
  });
});

describe("the learner's day across time zones (use cases, set clock)", () => {
  it("when the learner is active at 20:00 in Los Angeles, then today's square (in Los Angeles) shows it", async () => {
    const kit = await firestoreKit();
    const uid = uniqueId("la");
    const evening = instantAt("2026-07-14", 20, "America/Los_Angeles");
    await updateProfile(kit, uid, { timezone: "America/Los_Angeles" }, evening - 48 * HOUR);
    await recordActivity(kit, uid, { type: "login", clientEventId: "e1" }, DEVICE, evening);
    const heatmap = await readHeatmap(kit.db, uid, 2, evening + 60_000);
    expect(heatmap.days).toEqual([{ date: "2026-07-13", count: 0 }, { date: "2026-07-14", count: 1 }]);
  });

  it("when the learner flies from Berlin to Los Angeles, then a late activity from before the flight is dated in Berlin: a new day, counted once, no gap", async () => {
    const kit = await firestoreKit();
    const uid = uniqueId("fly");
    const start = instantAt("2026-11-02", 9, "Europe/Berlin");
    await updateProfile(kit, uid, { timezone: "Europe/Berlin" }, start - HOUR);
    await recordActivity(kit, uid, { type: "login", clientEventId: "a" }, DEVICE, instantAt("2026-11-02", 23, "Europe/Berlin"));
    // Past midnight in Berlin (still the 2nd in Los Angeles), recorded offline; then the zone changes, then it syncs.
    const lateActivity = instantAt("2026-11-03", 0, "Europe/Berlin") + 30 * 60_000;
    const landed = lateActivity + 12 * HOUR;
    await updateProfile(kit, uid, { timezone: "America/Los_Angeles" }, landed);
    await recordActivity(kit, uid, { type: "login", clientEventId: "b", occurredAt: lateActivity }, DEVICE, landed + HOUR);
    // In Los Angeles after landing: the evening of the 3rd there.
    await recordActivity(kit, uid, { type: "login", clientEventId: "c" }, DEVICE, landed + 2 * HOUR);

    const days = (await kit.db.collection(`users/${uid}/activityDays`).get()).docs.map((doc) => [doc.id, doc.get("count")]).sort();
    expect(days).toEqual([["2026-11-02", 1], ["2026-11-03", 2]]);
    expect(await readStudentStats(kit.db, uid, landed + 2 * HOUR)).toMatchObject({ currentStreak: 2, totalActiveDays: 2, lastActiveDate: "2026-11-03" });
  });

  it("when the learner flies west the evening after being active past midnight, then the earlier local date is not counted twice and the streak keeps its length", async () => {
    const kit = await firestoreKit();
    const uid = uniqueId("west");
    await updateProfile(kit, uid, { timezone: "Europe/Berlin" }, instantAt("2026-11-01", 8, "Europe/Berlin"));
    await recordActivity(kit, uid, { type: "login", clientEventId: "a" }, DEVICE, instantAt("2026-11-01", 12, "Europe/Berlin"));
    const pastMidnight = instantAt("2026-11-02", 1, "Europe/Berlin");
    await recordActivity(kit, uid, { type: "login", clientEventId: "b" }, DEVICE, pastMidnight);
    // An hour later the learner is in Los Angeles, where it is still the 1st: that day was counted already.
    await updateProfile(kit, uid, { timezone: "America/Los_Angeles" }, pastMidnight + HOUR);
    await recordActivity(kit, uid, { type: "login", clientEventId: "c" }, DEVICE, pastMidnight + 2 * HOUR);

    const days = (await kit.db.collection(`users/${uid}/activityDays`).get()).docs.map((doc) => [doc.id, doc.get("count")]).sort();
    expect(days).toEqual([["2026-11-01", 2], ["2026-11-02", 1]]);
    expect(await readStudentStats(kit.db, uid, pastMidnight + 2 * HOUR)).toMatchObject({ totalActiveDays: 2, currentStreak: 2, lastActiveDate: "2026-11-02" });
  });

  it("when the zone changes across a daylight-saving change, then each activity keeps the local date of its own offset", async () => {
    const kit = await firestoreKit();
    const uid = uniqueId("dst");
    await updateProfile(kit, uid, { timezone: "America/Los_Angeles" }, instantAt("2026-10-30", 8, "America/Los_Angeles"));
    // 2026-11-01 is the fall-back day in Los Angeles: 23:30 on the 31st (PDT) and 23:30 on the 1st (PST).
    await recordActivity(kit, uid, { type: "login", clientEventId: "a" }, DEVICE, instantAt("2026-10-31", 23, "America/Los_Angeles") + 30 * 60_000);
    await recordActivity(kit, uid, { type: "login", clientEventId: "b" }, DEVICE, instantAt("2026-11-01", 23, "America/Los_Angeles") + 30 * 60_000);
    const days = (await kit.db.collection(`users/${uid}/activityDays`).get()).docs.map((doc) => doc.id).sort();
    expect(days).toEqual(["2026-10-31", "2026-11-01"]);
  });
});
