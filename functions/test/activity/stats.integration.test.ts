import type { CallableRequest } from "firebase-functions/https";
import { describe, expect, it } from "vitest";
import { handleGetStudentStats } from "../../src/activity/functions.js";
import { localDate } from "../../src/activity/days.js";
import { createCourse } from "../helpers/progress.js";
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

  it("when a learner was active yesterday and today and completed a lecture, then it answers the streak and totals that made", async () => {
    const uid = uniqueId("active");
    const { courseId, lectureIds } = await createCourse(1);
    const dayMs = 86_400_000;
    for (const occurredAt of [Date.now() - dayMs, Date.now()]) {
      expect((await callFunction("recordActivity", { type: "login", clientEventId: uniqueId("ev"), occurredAt }, { uid })).status).toBe(200);
    }
    expect((await callFunction("completeLecture", { courseId, lectureId: lectureIds[0] }, { uid })).status).toBe(200);

    await expect(handleGetStudentStats(asRequest(uid))).resolves.toEqual({
      currentStreak: 2,
      longestStreak: 2,
      lastActiveDate: localDate(Date.now()),
      totalCompletedLectures: 1,
      totalActiveDays: 2,
    });
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
