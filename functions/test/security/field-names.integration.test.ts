/**
 * Activity metadata keys become Firestore field names, and Firestore reserves names matching __.*__ (it refuses the
 * write: INTERNAL for the client). The local Firestore stand-in does not enforce that, so the contract is checked at
 * the callable: such keys are refused before anything is written.
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
