/**
 * The request size limit (callable.ts MAX_REQUEST_BYTES) holds for every callable the functions export, over HTTP,
 * and a refused request writes nothing. On a stack of this file's own (helpers/own-stack.ts), so that Firestore
 * writes and Upstash commands are counted exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { MAX_REQUEST_BYTES } from "../../src/callable.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack();
});
afterAll(() => stack?.stop());

/**
 * `{"data":{}}` padded with JSON whitespace to `bytes`: the same payload at any size, so that only the size decides
 * (`{}` is a whole, valid request for the callables whose fields are all optional, admin ones included).
 */
const paddedBody = (bytes: number) => {
  const head = '{"data":{}';
  return `${head}${" ".repeat(bytes - head.length - 1)}}`;
};
const call = (name: string, bytes: number) => callFunction(name, undefined, { uid: uniqueId("stu"), claims: { admin: true }, rawBody: paddedBody(bytes) });
const sizeRefusal = { status: "INVALID_ARGUMENT", message: "Invalid request: (root)", details: [{ path: "", message: `request larger than ${MAX_REQUEST_BYTES} bytes` }] };

describe("request size limit", () => {
  it("when a body is one byte over the limit, then every callable refuses it with INVALID_ARGUMENT and writes nothing", async () => {
    const callables = [...stack.functions.callables.keys()].sort();
    expect(callables).toContain("saveProgress");
    const before = { firestore: stack.firestore?.stats(), redis: stack.redis.commands() };

    const answers = await Promise.all(callables.map(async (name) => [name, (await call(name, MAX_REQUEST_BYTES + 1)).body.error]));

    expect(answers).toEqual(callables.map((name) => [name, sizeRefusal]));
    expect({ firestore: stack.firestore?.stats(), redis: stack.redis.commands() }).toEqual(before);
  });

  it("when a body is exactly at the limit, then no callable refuses it for its size", async () => {
    const callables = [...stack.functions.callables.keys()];
    const answers = await Promise.all(callables.map(async (name) => (await call(name, MAX_REQUEST_BYTES)).body.error));
    expect(answers.filter((error) => JSON.stringify(error?.details ?? "").includes("larger than"))).toEqual([]);
    expect(answers.some((error) => error === undefined)).toBe(true); // the all-optional ones ran
  });
});
