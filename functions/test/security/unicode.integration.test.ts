/**
 * Lone UTF-16 surrogates in stored free text (found by npm run fuzz): JSON carries them ("\ud800"), Firestore's
 * UTF-8 cannot, and the write used to fail as INTERNAL. Sent as raw JSON escapes, as a hostile client would.
 */
import { describe, expect, it } from "vitest";
import { firestore } from "../../src/adapters/firestore.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

async function essayQuestion(): Promise<string> {
  const db = await firestore();
  const id = uniqueId("q-unicode");
  await db.doc(`questions/${id}`).set({ type: "essay", metadata: { subject: "s", skill: "k", subskill: "u" }, prompt: "?", points: 1 });
  await db.doc(`questionKeys/${id}`).set({ key: { type: "essay" } });
  return id;
}

describe("free text with lone surrogates", () => {
  it("when activity metadata holds a lone surrogate, then INVALID_ARGUMENT names it and no activity is stored", async () => {
    const uid = uniqueId("stu");
    const answer = await callFunction("recordActivity", undefined, {
      uid,
      rawBody: `{"data":{"type":"search","clientEventId":"${uniqueId("ev")}","metadata":{"query":"x\\ud800y"}}}`,
    });
    expect(answer.body.error).toMatchObject({ status: "INVALID_ARGUMENT", details: [{ path: "metadata.query", message: expect.stringContaining("surrogate") }] });
    const stored = await (await firestore()).collection("activities").where("uid", "==", uid).get();
    expect(stored.size).toBe(0);
  });

  it("when an answer's text or media reference holds a lone surrogate, then INVALID_ARGUMENT names the field", async () => {
    const questionId = await essayQuestion();
    for (const [field, path] of [["text", "answer.text"], ["mediaRef", "answer.mediaRef"]]) {
      const answer = await callFunction("submitAnswer", undefined, {
        rawBody: `{"data":{"questionId":"${questionId}","attemptId":"${uniqueId("att")}","answer":{"${field}":"\\udc00"},"timeSpentMs":1}}`,
      });
      expect(answer.body.error).toMatchObject({ status: "INVALID_ARGUMENT", details: [{ path }] });
    }
  });

  it("when text holds well-formed astral characters (surrogate pairs), then it is stored as sent", async () => {
    const uid = uniqueId("stu");
    const answer = await callFunction("recordActivity", { type: "search", clientEventId: uniqueId("ev"), metadata: { query: "😀 𝄞 é" } }, { uid });
    const { activityId } = answer.body.result as { activityId: string };
    expect((await (await firestore()).doc(`activities/${activityId}`).get()).get("metadata")).toEqual({ query: "😀 𝄞 é" });
  });
});
