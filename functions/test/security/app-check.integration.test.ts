/**
 * ENFORCE_APP_CHECK is honoured by every callable the functions export, over HTTP through the callable host. On a
 * stack of this file's own (helpers/own-stack.ts): the param applies to every function, and the shared stack serves
 * other test files at the same time without App Check tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { emulatorAppCheckToken } from "@learnpulse/local-stack";
import { startOwnStack } from "../helpers/own-stack.js";
import { callFunction, setParam, uniqueId } from "../helpers/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack({ ENFORCE_APP_CHECK: "false" });
});
afterAll(() => stack?.stop());

/** Every payload schema is strict: an unknown field is refused by validation, which comes after App Check; nothing runs. */
const PROBE = { appCheckProbe: true };
const probe = (name: string, appCheck?: string) =>
  callFunction(name, PROBE, { uid: uniqueId("stu"), claims: { admin: true }, ...(appCheck ? { headers: { "x-firebase-appcheck": appCheck } } : {}) });
/** "validated" when the request got as far as validation (which names failing fields), else what refused it. */
function outcome(answer: Awaited<ReturnType<typeof probe>>): string {
  const { error } = answer.body;
  const named = Array.isArray(error?.details) && error.details.length > 0;
  return error?.status === "INVALID_ARGUMENT" && named ? "validated" : `${answer.status} ${error?.status} ${error?.message}`;
}

describe("ENFORCE_APP_CHECK", () => {
  it("when it is switched on at run time, then every callable refuses a request without App Check and takes one with it", async () => {
    const callables = [...stack.functions.callables.keys()].sort();
    expect(callables).toContain("saveProgress");
    const passedAppCheck = "validated";
    const refused = "401 UNAUTHENTICATED App Check token required";
    const statsBefore = { firestore: stack.firestore?.stats(), redis: stack.redis.commands() };

    const off = await Promise.all(callables.map(async (name) => [name, outcome(await probe(name))]));
    await setParam("ENFORCE_APP_CHECK", "true");
    const without = await Promise.all(callables.map(async (name) => [name, outcome(await probe(name))]));
    const withToken = await Promise.all(callables.map(async (name) => [name, outcome(await probe(name, emulatorAppCheckToken()))]));
    const notAToken = await Promise.all(callables.map(async (name) => [name, outcome(await probe(name, "not-a-jwt"))]));
    await setParam("ENFORCE_APP_CHECK", "false");

    const every = (verdict: string) => callables.map((name) => [name, verdict]);
    expect(off).toEqual(every(passedAppCheck));
    expect(without).toEqual(every(refused));
    expect(withToken).toEqual(every(passedAppCheck));
    expect(notAToken).toEqual(every(refused));
    expect({ firestore: stack.firestore?.stats(), redis: stack.redis.commands() }).toEqual(statsBefore);
  });

  it("when it is on and a request carries a valid App Check token, then a real call goes through", async () => {
    await setParam("ENFORCE_APP_CHECK", "true");
    try {
      const answer = await callFunction("getStudentStats", {}, { headers: { "x-firebase-appcheck": emulatorAppCheckToken() } });
      expect(answer.body.result).toMatchObject({ currentStreak: 0 });
      expect((await callFunction("getStudentStats", {})).body.error?.status).toBe("UNAUTHENTICATED");
    } finally {
      await setParam("ENFORCE_APP_CHECK", "false");
    }
  });
});
