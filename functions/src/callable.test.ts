import type { CallableRequest } from "firebase-functions/https";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { callable, unsafeTokenModeReason } from "./callable.js";
import { NotFoundError } from "./errors.js";

const schema = z.strictObject({ courseId: z.string().regex(/^[a-z]+$/), count: z.number().int().max(5).optional() });

function request(data: unknown, auth?: { uid: string; admin?: boolean; teacher?: boolean }): CallableRequest<unknown> {
  return {
    data,
    rawRequest: { rawBody: Buffer.from(JSON.stringify({ data })) },
    acceptsStreaming: false,
    ...(auth ? { auth: { uid: auth.uid, token: { uid: auth.uid, admin: auth.admin, teacher: auth.teacher }, rawToken: "t" } } : {}),
  } as unknown as CallableRequest<unknown>;
}

const echo = callable({ name: "echo", schema }, async (input, caller) => ({ input, uid: caller.uid }));

afterEach(() => {
  delete process.env["ENFORCE_APP_CHECK"];
});

describe("callable wrapper", () => {
  it("when the payload is valid, then the use case gets the parsed input and the uid from the token", async () => {
    await expect(echo(request({ courseId: "abc" }, { uid: "u1" }))).resolves.toEqual({ input: { courseId: "abc" }, uid: "u1" });
  });

  it("when there is no auth, then it answers unauthenticated before looking at the payload", async () => {
    await expect(echo(request({ nonsense: true }))).rejects.toMatchObject({ code: "unauthenticated" });
  });

  it("when the token's uid could inject a path or a key, then permission-denied and the use case never runs", async () => {
    for (const uid of ["a/b", "..", "a:b", "x".repeat(129)]) {
      await expect(echo(request({ courseId: "abc" }, { uid }))).rejects.toMatchObject({ code: "permission-denied" });
    }
  });

  it("when the payload has an unknown field and a bad value, then invalid-argument names each field", async () => {
    const error = await echo(request({ courseId: "A/B", extra: 1 }, { uid: "u1" })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "invalid-argument" });
    const details = (error as { details: { path: string; message: string }[] }).details;
    expect(details.map((issue) => issue.path).sort()).toEqual(["courseId", "extra"]);
    expect(details.find((issue) => issue.path === "extra")?.message).toBe("unknown field");
  });

  it("when the data is not an object, then invalid-argument names the root", async () => {
    await expect(echo(request(null, { uid: "u1" }))).rejects.toMatchObject({ code: "invalid-argument", details: [{ path: "" }] });
  });

  it("when the request body is larger than the limit, then invalid-argument and the use case never runs", async () => {
    let ran = false;
    const fn = callable({ name: "big", schema: z.strictObject({ text: z.string() }) }, async () => (ran = true));
    const req = request({ text: "x".repeat(70_000) }, { uid: "u1" });
    await expect(fn(req)).rejects.toMatchObject({ code: "invalid-argument" });
    expect(ran).toBe(false);
  });

  it("when an admin-only callable is called without the admin claim (a teacher's included), then permission-denied", async () => {
    const adminOnly = callable({ name: "adm", schema, role: "admin" }, async () => "ok");
    await expect(adminOnly(request({ courseId: "abc" }, { uid: "u1" }))).rejects.toMatchObject({ code: "permission-denied" });
    await expect(adminOnly(request({ courseId: "abc" }, { uid: "u1", teacher: true }))).rejects.toMatchObject({ code: "permission-denied" });
    await expect(adminOnly(request({ courseId: "abc" }, { uid: "u1", admin: true }))).resolves.toBe("ok");
  });

  it("when a teacher's callable is called, then a student is refused and a teacher or an admin gets through, with the role on the caller", async () => {
    const teacherOnly = callable({ name: "tch", schema, role: "teacher" }, async (_input, caller) => ({ admin: caller.admin, teacher: caller.teacher }));
    await expect(teacherOnly(request({ courseId: "abc" }, { uid: "u1" }))).rejects.toMatchObject({ code: "permission-denied", message: "Teachers only" });
    await expect(teacherOnly(request({ courseId: "abc" }, { uid: "u1", teacher: true }))).resolves.toEqual({ admin: false, teacher: true });
    await expect(teacherOnly(request({ courseId: "abc" }, { uid: "u1", admin: true }))).resolves.toEqual({ admin: true, teacher: true });
  });

  it("when the use case throws a domain error, then its code and message reach the client", async () => {
    const missing = callable({ name: "nf", schema }, async () => {
      throw new NotFoundError("No such course");
    });
    await expect(missing(request({ courseId: "abc" }, { uid: "u1" }))).rejects.toMatchObject({ code: "not-found", message: "No such course" });
  });

  it("when the use case fails unexpectedly, then the client gets internal without the cause", async () => {
    const broken = callable({ name: "broken", schema }, async () => {
      throw new Error("secret connection string postgres://x");
    });
    const error = await broken(request({ courseId: "abc" }, { uid: "u1" })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "internal", message: "Internal error" });
    expect(JSON.stringify(error)).not.toContain("postgres");
  });

  it("when App Check is enforced and the request has no App Check token, then unauthenticated", async () => {
    process.env["ENFORCE_APP_CHECK"] = "true";
    await expect(echo(request({ courseId: "abc" }, { uid: "u1" }))).rejects.toMatchObject({ code: "unauthenticated" });
    const withApp = { ...request({ courseId: "abc" }, { uid: "u1" }), app: { appId: "a", token: {} } } as CallableRequest<unknown>;
    await expect(echo(withApp)).resolves.toMatchObject({ uid: "u1" });
  });
});

describe("callable wrapper: rate limit", () => {
  const limited = () => callable({ name: "limited", schema, rateLimit: { perSecond: 0.001, burst: 2 } }, async (input) => input);

  it("when a user calls past the limit, then resource-exhausted with a retry hint, and another user is unaffected", async () => {
    const fn = limited();
    await fn(request({ courseId: "abc" }, { uid: "u1" }));
    await fn(request({ courseId: "abc" }, { uid: "u1" }));
    const error = await fn(request({ courseId: "abc" }, { uid: "u1" })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "resource-exhausted", details: { retryAfterMs: expect.any(Number) } });
    expect((error as { details: { retryAfterMs: number } }).details.retryAfterMs).toBeGreaterThan(900_000);
    await expect(fn(request({ courseId: "abc" }, { uid: "u2" }))).resolves.toEqual({ courseId: "abc" });
  });

  it("when calls are refused before the limit (no auth, no App Check), then they take nothing from the user's bucket", async () => {
    const fn = limited();
    process.env["ENFORCE_APP_CHECK"] = "true";
    for (let i = 0; i < 5; i++) await expect(fn(request({ courseId: "abc" }, { uid: "u1" }))).rejects.toMatchObject({ code: "unauthenticated" });
    const withApp = { ...request({ courseId: "abc" }, { uid: "u1" }), app: { appId: "a", token: {} } } as CallableRequest<unknown>;
    await expect(fn(withApp)).resolves.toEqual({ courseId: "abc" });
  });

  it("when invalid payloads come fast, then they are throttled like any other call", async () => {
    const fn = limited();
    for (let i = 0; i < 2; i++) await expect(fn(request({ nonsense: i }, { uid: "u1" }))).rejects.toMatchObject({ code: "invalid-argument" });
    await expect(fn(request({ nonsense: 3 }, { uid: "u1" }))).rejects.toMatchObject({ code: "resource-exhausted" });
  });

  it("when RATE_LIMIT_MULTIPLIER is set, then the limit is that many times larger", async () => {
    const fn = limited();
    process.env["RATE_LIMIT_MULTIPLIER"] = "3";
    try {
      const answers = await Promise.allSettled(Array.from({ length: 7 }, () => fn(request({ courseId: "abc" }, { uid: "u1" }))));
      expect(answers.map((answer) => answer.status)).toEqual([...Array(6).fill("fulfilled"), "rejected"]);
    } finally {
      delete process.env["RATE_LIMIT_MULTIPLIER"];
    }
  });
});

describe("unverified-token mode guard", () => {
  const debug = { FIREBASE_DEBUG_MODE: "true", FIREBASE_DEBUG_FEATURES: '{"skipTokenVerification":true}' };

  // Each row: where the code runs (what that place sets), and whether unverified tokens are allowed there.
  const matrix: [string, NodeJS.ProcessEnv, RegExp | null][] = [
    // firebase-tools' Functions emulator sets K_SERVICE on every function, next to FUNCTIONS_EMULATOR.
    ["the Functions emulator with a demo- project", { FUNCTIONS_EMULATOR: "true", K_SERVICE: "saveprogress", GCLOUD_PROJECT: "demo-learnpulse" }, null],
    ["the local stack's host (emulator, no K_SERVICE)", { FUNCTIONS_EMULATOR: "true", GCLOUD_PROJECT: "demo-learnpulse" }, null],
    ["the Functions emulator with a real project", { FUNCTIONS_EMULATOR: "true", K_SERVICE: "saveprogress", GCLOUD_PROJECT: "learnpulse-prod" }, /non-demo/],
    ["a Cloud Run service", { K_SERVICE: "saveprogress", GCLOUD_PROJECT: "demo-x" }, /Cloud Run/],
    ["plain Node", { GCLOUD_PROJECT: "demo-x" }, /outside the emulator/],
    ["an emulator flag that is not exactly true", { FUNCTIONS_EMULATOR: "1", K_SERVICE: "saveprogress", GCLOUD_PROJECT: "demo-x" }, /Cloud Run/],
  ];

  it.each(matrix)("when skipTokenVerification is on in %s, then the verdict is as expected", (_where, env, refusal) => {
    const reason = unsafeTokenModeReason({ ...debug, ...env });
    if (refusal) expect(reason).toMatch(refusal);
    else expect(reason).toBeNull();
  });

  it("when debug mode is off, then nothing is refused", () => {
    expect(unsafeTokenModeReason({ FIREBASE_DEBUG_FEATURES: '{"skipTokenVerification":true}' })).toBeNull();
  });
});
