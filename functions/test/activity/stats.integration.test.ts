import type { CallableRequest } from "firebase-functions/https";
import { describe, expect, it } from "vitest";
import { handleGetStudentStats } from "../../src/activity/functions.js";
import { localDate } from "../../src/activity/days.js";
import { firestore } from "../../src/adapters/firestore.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

const asRequest = (uid: string, data: unknown = {}) =>
  ({ data, auth: { uid, token: { uid }, rawToken: "" }, acceptsStreaming: false }) as unknown as CallableRequest<unknown>;

describe("getStudentStats (handler)", () => {
  it("when the user has never been active, then it answers zeros", async () => {
    await expect(handleGetStudentStats(asRequest(uniqueId("new")))).resolves.toEqual({
      currentStreak: 0,
      longestStreak: 0,
      lastActiveDate: null,
      totalCompletedLectures: 0,
      totalActiveDays: 0,
    });
  });

  it("when the user document holds stats, then it answers them from that one document", async () => {
    const uid = uniqueId("active");
    const db = await firestore();
    const stats = { currentStreak: 2, longestStreak: 5, lastActiveDate: localDate(Date.now()), totalCompletedLectures: 7, totalActiveDays: 11 };
    await db.doc(`users/${uid}`).set({ ...stats, timezone: "UTC" });
    try {
      await expect(handleGetStudentStats(asRequest(uid))).resolves.toEqual(stats);
    } finally {
      await db.doc(`users/${uid}`).delete();
    }
  });
});

describe("getStudentStats over HTTP (callable protocol)", () => {
  it("when called with an unsigned emulator token and {}, then it answers {result: stats}", async () => {
    const answer = await callFunction("getStudentStats", {});
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      result: { currentStreak: 0, longestStreak: 0, lastActiveDate: null, totalCompletedLectures: 0, totalActiveDays: 0 },
    });
  });

  it("when called without a token, then it answers 401 UNAUTHENTICATED", async () => {
    const answer = await callFunction("getStudentStats", {}, { uid: null });
    expect(answer.status).toBe(401);
    expect(answer.body.error?.status).toBe("UNAUTHENTICATED");
  });

  it("when the payload has an unknown field, then it answers 400 INVALID_ARGUMENT naming the field", async () => {
    const answer = await callFunction("getStudentStats", { uid: "someone-else" });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.status).toBe("INVALID_ARGUMENT");
    expect(answer.body.error?.details).toEqual([{ path: "uid", message: "unknown field" }]);
  });

  it("when the body is not the callable protocol, then it answers INVALID_ARGUMENT and runs nothing", async () => {
    const answer = await callFunction("getStudentStats", undefined, { rawBody: '{"notdata":1}' });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.status).toBe("INVALID_ARGUMENT");
  });
});
