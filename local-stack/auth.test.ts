/**
 * The Auth stand-in driven by the Firebase JS SDK itself (firebase/auth through connectAuthEmulator), plus the
 * CORS answers a browser on another origin needs.
 */
import { randomUUID } from "node:crypto";
import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth, getIdTokenResult, signInWithCustomToken, type Auth } from "firebase/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAuth, type LocalAuth } from "./auth.ts";
import { emulatorIdToken, unsignedCustomToken } from "./tokens.ts";

const projectId = "demo-auth-stand-in";
let local: LocalAuth;
const apps: FirebaseApp[] = [];

function sdkAuth(): Auth {
  const app = initializeApp({ projectId, apiKey: "demo-api-key" }, `app-${randomUUID()}`);
  apps.push(app);
  const auth = getAuth(app);
  connectAuthEmulator(auth, local.url, { disableWarnings: true });
  return auth;
}

async function signInRaw(token: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${local.url}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=demo-api-key`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, returnSecureToken: true }),
  });
  return { status: response.status, body: await response.json() };
}

const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;

beforeAll(async () => {
  local = await startAuth({ projectId });
});
afterAll(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
  await local.stop();
});

describe("Auth emulator stand-in", () => {
  it("when the SDK signs in with a custom token carrying a claim, then the ID token names the uid and carries the claim, through a reload and a forced refresh", async () => {
    const auth = sdkAuth();

    const { user } = await signInWithCustomToken(auth, unsignedCustomToken("teacher-1", { admin: true }));
    const lookupsBefore = local.stats().lookups;
    await user.reload();
    const refreshed = await user.getIdToken(true);

    expect(user.uid).toBe("teacher-1");
    expect((await getIdTokenResult(user)).claims).toMatchObject({ admin: true, user_id: "teacher-1" });
    expect(payloadOf(refreshed)).toMatchObject({ sub: "teacher-1", aud: projectId, admin: true, firebase: { sign_in_provider: "custom" } });
    expect(local.stats()).toMatchObject({ signIns: 1, refreshes: 1, lookups: lookupsBefore + 1 });
  });

  it("when a custom token is no JWT, then the SDK fails with auth/invalid-custom-token and nobody is signed in", async () => {
    const auth = sdkAuth();

    await expect(signInWithCustomToken(auth, "not-a-jwt")).rejects.toMatchObject({ code: "auth/invalid-custom-token" });

    expect(auth.currentUser).toBeNull();
  });

  it("when a custom token is an ID token, names no uid or sets a reserved claim, then it is refused as the official emulator refuses it", async () => {
    const cases: Array<[string, string]> = [
      [emulatorIdToken("student-1", {}, projectId), "INVALID_CUSTOM_TOKEN : ((Invalid aud"],
      [unsignedCustomToken(""), "MISSING_IDENTIFIER"],
      [unsignedCustomToken("student-1", { firebase: {} }), "FORBIDDEN_CLAIM : firebase"],
      ['{"uid": "student-1", "claims": []}', "INVALID_CLAIMS"],
    ];

    for (const [token, refusal] of cases) {
      const answer = await signInRaw(token);
      expect(answer.status).toBe(400);
      expect((answer.body as { error: { message: string } }).error.message.slice(0, refusal.length)).toBe(refusal);
    }
  });

  it("when a custom token is plain JSON, then it signs in as the emulators allow", async () => {
    const answer = await signInRaw('{"uid": "student-json", "claims": {"admin": true}}');

    expect(answer.status).toBe(200);
    expect(payloadOf((answer.body as { idToken: string }).idToken)).toMatchObject({ user_id: "student-json", admin: true });
  });

  it("when a page on another origin preflights a sign-in, then the answer allows that origin and the headers it asked for", async () => {
    const url = `${local.url}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=demo-api-key`;
    const origin = "http://127.0.0.1:5173";

    const preflight = await fetch(url, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-client-version" } });
    const signIn = await fetch(url, { method: "POST", headers: { origin, "content-type": "application/json" }, body: JSON.stringify({ token: unsignedCustomToken("student-2"), returnSecureToken: true }) });

    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("content-type,x-client-version");
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get("access-control-allow-origin")).toBe(origin);
  });

  it("when a route or a refresh token is unknown, then the answer is Google's error shape with the code the SDK maps", async () => {
    const unknown = await fetch(`${local.url}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=k`, { method: "POST", body: "{}" });
    const badRefresh = await fetch(`${local.url}/securetoken.googleapis.com/v1/token?key=k`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "forged" }).toString(),
    });

    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 404, message: expect.stringMatching(/^NOT_FOUND/) } });
    expect(badRefresh.status).toBe(400);
    expect(await badRefresh.json()).toMatchObject({ error: { code: 400, message: "INVALID_REFRESH_TOKEN" } });
  });
});
