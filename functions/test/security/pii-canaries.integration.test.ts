/**
 * Plants personal data in requests to the shared stack — raw IPs and an email-looking user agent in headers, emails
 * in payloads that are refused, answer texts that are stored — so that the log audit (logs.audit.test.ts), which
 * scans everything the functions logged in this run, has something to miss. Also checks at once that none of it
 * reached the log of these very calls, and that the log is being captured at all.
 */
import { describe, expect, inject, it } from "vitest";
import { firestore } from "../../src/adapters/firestore.js";
import { PII_CANARIES } from "../helpers/canaries.js";
import { capturedLogLines } from "../helpers/log-capture.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

const logFile = inject("functionsLogFile");
const leaked = (lines: string[]) => lines.filter((line) => Object.values(PII_CANARIES).some((canary) => line.includes(canary)));

async function createQuestion(type: "essay" | "short_answer", key: Record<string, unknown>): Promise<string> {
  const db = await firestore();
  const id = uniqueId("q-canary");
  await db.doc(`questions/${id}`).set({ type, metadata: { subject: "privacy", skill: "logs", subskill: "canaries" }, prompt: "?", points: 1 });
  await db.doc(`questionKeys/${id}`).set({ key: { type, ...key } });
  return id;
}

describe("personal data in requests", () => {
  it("when requests carry IPs, emails, a user agent and answer texts, then the functions work and log none of it", async () => {
    const before = capturedLogLines(logFile).length;
    const uid = uniqueId("stu-canary");
    const headers = (ip: string) => ({ "user-agent": PII_CANARIES.userAgent, "x-forwarded-for": `${ip}, 10.1.2.3` });
    const answers = [
      await callFunction("recordActivity", { type: "login", clientEventId: uniqueId("ev") }, { uid, headers: headers(PII_CANARIES.ipv4) }),
      await callFunction("recordActivity", { type: "search", clientEventId: uniqueId("ev"), metadata: { query: PII_CANARIES.email } }, { uid, headers: headers(PII_CANARIES.ipv6) }),
      await callFunction("recordActivity", { type: "login", clientEventId: PII_CANARIES.email }, { uid, headers: headers(PII_CANARIES.ipv4) }),
      await callFunction("saveProgress", { courseId: PII_CANARIES.email, lectureId: "l1", position: 1 }, { uid, headers: headers(PII_CANARIES.ipv4) }),
      // Unknown field names are the client's text too: call.rejected names them (found by the fuzzer: a key "…6::…").
      await callFunction("getStudentStats", { [PII_CANARIES.email]: 1, [`x${PII_CANARIES.ipv6}`]: 2 }, { uid }),
      await callFunction("submitAnswer", { questionId: await createQuestion("essay", {}), attemptId: uniqueId("att"), answer: { text: PII_CANARIES.essay }, timeSpentMs: 1 }, { uid }),
      await callFunction(
        "submitAnswer",
        { questionId: await createQuestion("short_answer", { correct: ["right"] }), attemptId: uniqueId("att"), answer: { text: PII_CANARIES.shortAnswer }, timeSpentMs: 1 },
        { uid },
      ),
      await callFunction("submitAnswer", { questionId: uniqueId("no-such-q"), attemptId: uniqueId("att"), answer: { text: PII_CANARIES.essay }, timeSpentMs: 1 }, { uid }),
    ];

    expect(answers.map((answer) => answer.body.error?.status ?? "OK")).toEqual(["OK", "OK", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "OK", "OK", "NOT_FOUND"]);
    const { activityId } = answers[0]?.body.result as { activityId: string };
    const stored = (await (await firestore()).doc(`activities/${activityId}`).get()).data();
    expect(stored?.["device"]).toMatchObject({ userAgent: PII_CANARIES.userAgent, ipNetwork: "198.51.100.0/24" });
    const lines = capturedLogLines(logFile);
    expect(lines.length - before).toBeGreaterThanOrEqual(answers.length); // every call logs at least its verification
    expect(leaked(lines)).toEqual([]);
  });
});
