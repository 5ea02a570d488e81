/**
 * A deploy that left a service's address unset (the params that name one have no default): the functions that need
 * it answer UNAVAILABLE naming the param and log config.param_missing once, and nothing falls back silently — the
 * ping is not degraded into a Firestore write. Handlers are called directly in this file's own process, whose
 * clients are created here without the addresses.
 */
import type { CallableRequest } from "firebase-functions/https";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { cosmosContainer } from "../../src/adapters/cosmos.js";
import { firestore } from "../../src/adapters/firestore.js";
import { handleGetProgress, handleSaveProgress } from "../../src/progress/functions.js";
import { capturedLogLines } from "../helpers/log-capture.js";
import { createCourse } from "../helpers/progress.js";
import { uniqueId } from "../helpers/stack.js";

const logFile = inject("functionsLogFile");

function request(data: unknown, uid: string): CallableRequest<unknown> {
  return {
    data,
    rawRequest: { rawBody: Buffer.from(JSON.stringify({ data })) },
    acceptsStreaming: false,
    auth: { uid, token: { uid }, rawToken: "t" },
  } as unknown as CallableRequest<unknown>;
}

/** config.param_missing events logged since line `from` (at ERROR, firebase-functions prefixes the message and adds a stack). */
function missingSince(from: number): unknown[] {
  return capturedLogLines(logFile)
    .slice(from)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => String(entry["message"]).split("\n")[0]?.endsWith("config.param_missing"));
}

beforeAll(() => {
  delete process.env["UPSTASH_REDIS_REST_URL"];
  delete process.env["COSMOS_ENDPOINT"];
});

describe("a service's address left unset", () => {
  it("when UPSTASH_REDIS_REST_URL is unset, then pings and reads answer UNAVAILABLE naming it, logged once, and no ping reaches Firestore", async () => {
    const { courseId, lectureIds } = await createCourse(1);
    const uid = uniqueId("stu");
    const logStart = capturedLogLines(logFile).length;

    const ping = await handleSaveProgress(request({ courseId, lectureId: lectureIds[0], position: 12 }, uid)).catch((error: unknown) => error);
    const read = await handleGetProgress(request({ courseId }, uid)).catch((error: unknown) => error);

    for (const refusal of [ping, read]) {
      expect(refusal).toMatchObject({ code: "unavailable", message: expect.stringContaining("UPSTASH_REDIS_REST_URL") });
    }
    expect(missingSince(logStart)).toEqual([expect.objectContaining({ param: "UPSTASH_REDIS_REST_URL", severity: "ERROR" })]);
    expect((await (await firestore()).doc(`users/${uid}/progress/${courseId}`).get()).exists).toBe(false);
  });

  it("when COSMOS_ENDPOINT is unset, then opening a Cosmos container fails as unavailable naming it (a delivery then becomes a dead letter)", async () => {
    const logStart = capturedLogLines(logFile).length;

    const failure = await cosmosContainer("progress", "/userId").catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: "unavailable", message: expect.stringContaining("COSMOS_ENDPOINT") });
    expect(missingSince(logStart)).toEqual([expect.objectContaining({ param: "COSMOS_ENDPOINT" })]);
  });
});
