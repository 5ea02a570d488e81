/**
 * Payloads that firebase-functions' own decoder used to answer with INTERNAL (found by npm run fuzz): number
 * encodings it cannot decode and deep nesting. Over HTTP through the real onCall handler, as clients reach it.
 */
import { describe, expect, it } from "vitest";
import { callFunction, uniqueId } from "../helpers/stack.js";

const INT64 = "type.googleapis.com/google.protobuf.Int64Value";
const body = (dataJson: string) => `{"data":${dataJson}}`;

describe("callable data that firebase-functions cannot decode", () => {
  it.each([
    ["an Int64Value of NaN", `{"courseId":{"@type":"${INT64}","value":"NaN"}}`, "courseId"],
    ["an Int64Value whose value is not a string", `{"courseId":{"@type":"${INT64}","value":{}}}`, "courseId"],
    ["a DoubleValue (not a protocol encoding)", `{"courseId":{"@type":"type.googleapis.com/google.protobuf.DoubleValue","value":"Infinity"}}`, "courseId"],
    ["an unknown @type as the whole payload", `{"@type":5}`, ""],
    ["an @type that cannot become a string", `{"courseId":{"@type":{"toString":true}}}`, "courseId"],
  ])("when data carries %s, then the answer is INVALID_ARGUMENT naming the field", async (_what, data, path) => {
    const answer = await callFunction("getProgress", undefined, { rawBody: body(data) });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ status: "INVALID_ARGUMENT", details: [{ path, message: "encoded value cannot be decoded" }] });
  });

  it("when data nests 30,000 levels deep inside the 64 KiB cap, then the answer is INVALID_ARGUMENT, not a stack overflow", async () => {
    const deep = `${"[".repeat(30_000)}0${"]".repeat(30_000)}`;
    const answer = await callFunction("saveProgress", undefined, { rawBody: body(`{"courseId":"c","lectureId":"l","position":1,"playedSegments":${deep}}`) });
    expect(answer.body.error).toMatchObject({ status: "INVALID_ARGUMENT", message: expect.stringContaining("playedSegments") });
  });

  it("when an undecodable payload comes without a token, then the answer is UNAUTHENTICATED: auth is checked first", async () => {
    const answer = await callFunction("getProgress", undefined, { uid: null, rawBody: body(`{"@type":"x"}`) });
    expect(answer.body.error).toMatchObject({ status: "UNAUTHENTICATED" });
  });

  it("when a number comes as a decodable Int64Value, then it is decoded as before and the call succeeds", async () => {
    const answer = await callFunction("saveProgress", undefined, {
      uid: uniqueId("stu"),
      rawBody: body(`{"courseId":"${uniqueId("course")}","lectureId":"l1","position":{"@type":"${INT64}","value":"12"}}`),
    });
    expect(answer.body).toEqual({ result: { message: "synced" } });
  });

  it("when the payload has an own __proto__ key, then it is refused as an unknown field rather than becoming a prototype", async () => {
    const answer = await callFunction("getProgress", undefined, { rawBody: body(`{"__proto__":{"courseId":"demo-course"}}`) });
    expect(answer.body.error).toMatchObject({ status: "INVALID_ARGUMENT", details: expect.arrayContaining([{ path: "__proto__", message: "unknown field" }]) });
  });
});
