/**
 * The smallest Firebase Auth emulator the Auth SDK needs for `signInWithCustomToken` (test tooling, never deployed):
 * `accounts:signInWithCustomToken`, `accounts:lookup` and the token refresh, on loopback. Like the real emulator it
 * takes unsigned custom tokens (`{uid, claims}`) and answers unsigned ID tokens (alg "none"), which the local
 * callable host accepts. With the official emulator (`firebase emulators:start --only auth`) nothing here is needed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { emulatorIdToken } from "../../scripts/stack/tokens.ts";

export interface AuthEmulatorStub {
  url: string;
  close(): Promise<void>;
}

/** An unsigned custom token, as `firebase-admin`'s `createCustomToken` would mint for the emulator. */
export function unsignedCustomToken(uid: string, claims: Record<string, unknown> = {}): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "none", typ: "JWT" })}.${encode({ uid, claims })}.`;
}

export async function startAuthEmulatorStub(projectId: string): Promise<AuthEmulatorStub> {
  const server = createServer((request, response) => {
    void handle(projectId, request, response).catch((error: unknown) => reply(response, 400, { error: { message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function handle(projectId: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method === "OPTIONS") return reply(response, 204, null);
  const body = await readBody(request);
  const path = new URL(request.url ?? "/", "http://x").pathname;
  if (path.endsWith("/accounts:signInWithCustomToken")) {
    const { uid, claims } = payloadOf(String(body["token"])) as { uid: string; claims?: Record<string, unknown> };
    return reply(response, 200, session(projectId, uid, claims ?? {}));
  }
  if (path.endsWith("/accounts:lookup")) {
    const uid = String(payloadOf(String(body["idToken"]))["user_id"]);
    return reply(response, 200, { users: [{ localId: uid, providerUserInfo: [], createdAt: "0", lastLoginAt: "0" }] });
  }
  if (path.endsWith("/token")) {
    // The refresh token is the session's uid and claims: this stub keeps no state.
    const { uid, claims } = JSON.parse(Buffer.from(String(body["refresh_token"]), "base64url").toString()) as { uid: string; claims: Record<string, unknown> };
    const fresh = session(projectId, uid, claims);
    return reply(response, 200, { id_token: fresh.idToken, refresh_token: fresh.refreshToken, expires_in: fresh.expiresIn, user_id: uid });
  }
  reply(response, 404, { error: { message: `no route ${path}` } });
}

function session(projectId: string, uid: string, claims: Record<string, unknown>) {
  return {
    kind: "identitytoolkit#VerifyCustomTokenResponse",
    idToken: emulatorIdToken(uid, claims, projectId),
    refreshToken: Buffer.from(JSON.stringify({ uid, claims })).toString("base64url"),
    expiresIn: "3600",
    localId: uid,
    isNewUser: false,
  };
}

function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  if (!text) return {};
  // The refresh goes form-encoded, the rest as JSON.
  return text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(text));
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    "content-type": "application/json",
    "access-control-allow-origin": "*",
    "access-control-allow-headers": "*",
    "access-control-allow-methods": "POST, OPTIONS",
  });
  response.end(body === null ? "" : JSON.stringify(body));
}
