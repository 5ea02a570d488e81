/**
 * One smoke test per registered function through firebase-functions-test (STYLE rule 12). Its v2 callable wrapper
 * drops request.auth with firebase-functions 7 (firebase-functions-test issue 310), so a registered callable is
 * expected to answer `unauthenticated` here: that proves the export is an onCall wired to the shared wrapper.
 */
import functionsTest from "firebase-functions-test";
import { afterAll, describe, expect, it } from "vitest";
import * as functions from "../src/index.js";

const testEnv = functionsTest({ projectId: process.env["GCLOUD_PROJECT"] ?? "demo-learnpulse" });
afterAll(() => testEnv.cleanup());

describe("registered functions (firebase-functions-test)", () => {
  it("when getStudentStats is wrapped and called, then the callable wrapper answers unauthenticated", async () => {
    const wrapped = testEnv.wrap(functions.getStudentStats);
    await expect(wrapped({ data: {}, auth: { uid: "u1", token: {} } } as never)).rejects.toMatchObject({ code: "unauthenticated" });
  });
});
