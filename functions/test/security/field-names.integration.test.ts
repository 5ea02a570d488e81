/**
 * Names Firestore reserves: activity metadata keys become field names, and ids become document ids; Firestore refuses
 * both when they match __.*__ (at write or read time: INTERNAL for the client; the local stand-in refuses them as
 * Firestore does). The contract is checked at the callable: such names are refused before anything is read or written.
 */
import { describe, expect, it } from "vitest";
import { firestore } from "../../src/adapters/firestore.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

describe("metadata keys that Firestore reserves", () => {
  it.each(["__name__", "__x__", "____"])("when a metadata key is %s, then INVALID_ARGUMENT names it and nothing is stored", async (key) => {
    const uid = uniqueId("stu");
    const answer = await callFunction("recordActivity", { type: "login", clientEventId: uniqueId("ev"), metadata: { [key]: 1 } }, { uid });
    expect(answer.body.error).toMatchObject({ status: "INVALID_ARGUMENT", details: [{ path: `metadata.${key}` }] });
    expect((await (await firestore()).collection("activities").where("uid", "==", uid).get()).size).toBe(0);
  });

  it("when keys merely contain underscores (_a, a__, __a), then they are stored as sent", async () => {
    const metadata = { _a: 1, a__: 2, __a: 3 };
    const answer = await callFunction("recordActivity", { type: "login", clientEventId: uniqueId("ev"), metadata });
    const { activityId } = answer.body.result as { activityId: string };
    expect((await (await firestore()).doc(`activities/${activityId}`).get()).get("metadata")).toEqual(metadata);
  });
});

describe("ids that Firestore reserves as document ids", () => {
  it.each([
    ["getProgress", { courseId: "__name__" }, "courseId"],
    ["completeLecture", { courseId: "demo-course", lectureId: "__x__" }, "lectureId"],
    ["saveProgress", { courseId: "__c__", lectureId: "l1", position: 1 }, "courseId"],
    ["submitAnswer", { questionId: "__q__", attemptId: "a1", answer: { value: true }, timeSpentMs: 1 }, "questionId"],
    ["recordActivity", { type: "login", clientEventId: "__e__" }, "clientEventId"],
  ])("when %s names a document __…__, then INVALID_ARGUMENT names the id", async (name, data, path) => {
    const answer = await callFunction(name, data);
    expect(answer.body.error).toMatchObject({ status: "INVALID_ARGUMENT", details: [{ path }] });
  });

  it("when the token's uid is __…__ (it would name users/__…__), then the caller is refused", async () => {
    const answer = await callFunction("getStudentStats", {}, { uid: "__name__" });
    expect(answer.body.error).toMatchObject({ status: "PERMISSION_DENIED" });
  });
});
