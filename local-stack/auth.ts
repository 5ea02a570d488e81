/**
 * The Firebase Auth emulator, as far as the Firebase JS SDK's `signInWithCustomToken` goes (dev tooling, never
 * deployed): the three REST routes the SDK calls through `connectAuthEmulator` — `accounts:signInWithCustomToken`,
 * `accounts:lookup` and the token refresh — at the emulator's URL scheme (`http://host:port/<Google API host>/v1/…`),
 * and the Admin SDK's `deleteUser` (`projects/{p}/accounts:delete`), which fires the user-deletion Auth triggers.
 * It follows the official emulator's rules (firebase-tools, src/emulator/auth/operations.ts): custom tokens are JWTs
 * whose signature is not checked (`unsignedCustomToken` in tokens.ts makes them) or plain JSON, with the custom-token
 * audience, a `uid` and no reserved claim; ID tokens are unsigned (alg "none") and carry the custom claims, which the
 * local callable host accepts; the refresh token is base64 JSON naming the user, its claims and the project; CORS
 * answers reflect the origin, so a web page on another port can sign in. Unlike it, this one keeps no users.
 *
 *   const auth = await startAuth({ projectId: "demo-learnpulse" });
 *   connectAuthEmulator(getAuth(app), auth.url);   // FIREBASE_AUTH_EMULATOR_HOST = auth.host
 *   await signInWithCustomToken(getAuth(app), unsignedCustomToken("student-1", { admin: true }));
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { startFaultyHttpServer, type HttpFault } from "./faulty-http.ts";
import { CUSTOM_TOKEN_AUDIENCE, emulatorIdToken, ID_TOKEN_LIFETIME_SECONDS, type TokenClaims } from "./tokens.ts";

/** Requests here are a token or two; the cap only guards against a runaway client. */
const MAX_REQUEST_BYTES = 1024 * 1024;
/** Claims a custom token may not set (firebase.google.com/docs/auth/admin/create-custom-tokens; the emulator's list). */
const FORBIDDEN_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "nbf", "jti", "nonce", "azp", "acr", "amr", "cnf", "auth_time", "firebase", "at_hash", "c_hash"];
/** The official emulator's refresh tokens carry this field. */
const REFRESH_TOKEN_MARK = "DO NOT MODIFY";

export interface LocalAuth {
  /** For FIREBASE_AUTH_EMULATOR_HOST (host:port, the official emulator's convention). */
  host: string;
  /** For `connectAuthEmulator(auth, url)`. */
  url: string;
  /** Sign-ins (custom token exchanges) and token refreshes answered since start. */
  stats(): { signIns: number; refreshes: number; lookups: number };
  /** Outage drills, as for the other REST stand-ins. */
  fault(mode: HttpFault): void;
  /** Called with the uid of each user the Admin SDK deletes (`deleteUser`), as the emulator fires Auth triggers. */
  onUserDeleted(listener: (uid: string) => void): void;
  stop(): Promise<void>;
}

export interface StartAuthOptions {
  projectId: string;
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
}

interface Session {
  uid: string;
  claims: TokenClaims;
}

/** A refusal in the shape of Google's REST errors; the SDK maps `message` to its `auth/…` codes. */
class AuthApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function startAuth(options: StartAuthOptions): Promise<LocalAuth> {
  const { projectId } = options;
  const stats = { signIns: 0, refreshes: 0, lookups: 0 };
  const deleted: Array<(uid: string) => void> = [];

  async function handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    allowCors(request, response);
    if (request.method === "OPTIONS") return void response.writeHead(204).end();
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    const fields = parseBody(request, body);
    if (request.method === "POST" && path === "/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken") {
      const session = sessionOfCustomToken(fields["token"]);
      stats.signIns++;
      const tokens = issue(projectId, session);
      return send(response, 200, { kind: "identitytoolkit#VerifyCustomTokenResponse", idToken: tokens.idToken, refreshToken: tokens.refreshToken, expiresIn: tokens.expiresIn, isNewUser: false });
    }
    if (request.method === "POST" && path === "/identitytoolkit.googleapis.com/v1/accounts:lookup") {
      const { uid, signedInAt } = sessionOfIdToken(fields["idToken"]);
      stats.lookups++;
      const millis = String(signedInAt * 1000);
      return send(response, 200, { kind: "identitytoolkit#GetAccountInfoResponse", users: [{ localId: uid, providerUserInfo: [], createdAt: millis, lastLoginAt: millis, customAuth: true }] });
    }
    if (request.method === "POST" && path === "/securetoken.googleapis.com/v1/token") {
      if (fields["grant_type"] !== "refresh_token") throw new AuthApiError(400, "INVALID_GRANT_TYPE");
      const tokens = issue(projectId, sessionOfRefreshToken(fields["refresh_token"], projectId));
      stats.refreshes++;
      return send(response, 200, {
        access_token: tokens.idToken,
        id_token: tokens.idToken,
        refresh_token: tokens.refreshToken,
        expires_in: tokens.expiresIn,
        token_type: "Bearer",
        user_id: tokens.uid,
        project_id: projectId,
      });
    }
    if (request.method === "POST" && path === `/identitytoolkit.googleapis.com/v1/projects/${projectId}/accounts:delete`) {
      // The Admin SDK's deleteUser: an admin route, as in the emulator, which takes the owner token for credentials.
      if (request.headers.authorization !== "Bearer owner") throw new AuthApiError(403, "INSUFFICIENT_PERMISSION");
      const uid = fields["localId"];
      if (typeof uid !== "string" || uid === "") throw new AuthApiError(400, "MISSING_LOCAL_ID");
      // No users are kept, so any uid is deleted (the service would answer USER_NOT_FOUND for an unknown one).
      for (const listener of deleted) listener(uid);
      return send(response, 200, { kind: "identitytoolkit#DeleteAccountResponse" });
    }
    throw new AuthApiError(404, `NOT_FOUND : the local Auth stand-in has no ${request.method} ${path}`);
  }

  const front = await startFaultyHttpServer({
    port: options.port ?? 0,
    maxRequestBytes: MAX_REQUEST_BYTES,
    handle,
    outage: (res) => send(res, 503, errorBody(503, "UNAVAILABLE")),
    tooLarge: (res) => send(res, 413, errorBody(413, "REQUEST_TOO_LARGE")),
    failed: (res, error) => {
      if (error instanceof AuthApiError) return send(res, error.status, errorBody(error.status, error.message));
      send(res, 500, errorBody(500, `INTERNAL : ${error instanceof Error ? error.message : String(error)}`));
    },
  });
  const host = `127.0.0.1:${front.port}`;
  return { host, url: `http://${host}`, stats: () => ({ ...stats }), fault: front.fault, onUserDeleted: (listener) => void deleted.push(listener), stop: front.close };
}

function issue(projectId: string, session: Session) {
  return {
    uid: session.uid,
    idToken: emulatorIdToken(session.uid, session.claims, projectId),
    refreshToken: base64UrlJson({ _AuthEmulatorRefreshToken: REFRESH_TOKEN_MARK, localId: session.uid, provider: "custom", extraClaims: session.claims, projectId }),
    expiresIn: String(ID_TOKEN_LIFETIME_SECONDS),
  };
}

function sessionOfCustomToken(token: unknown): Session {
  if (typeof token !== "string" || token === "") throw new AuthApiError(400, "MISSING_CUSTOM_TOKEN");
  // The emulators also take plain JSON (`{"uid": "…"}`) as a custom token; production does not.
  const payload = token.startsWith("{") ? decodeJsonText(token) : jwtPayload(token, "INVALID_CUSTOM_TOKEN : Invalid assertion format");
  if (!payload) throw new AuthApiError(400, "INVALID_CUSTOM_TOKEN : ((Auth Emulator only accepts strict JSON or JWTs as fake custom tokens.))");
  if (!token.startsWith("{") && payload["aud"] !== CUSTOM_TOKEN_AUDIENCE) {
    throw new AuthApiError(400, `INVALID_CUSTOM_TOKEN : ((Invalid aud (audience): ${String(payload["aud"])}))`);
  }
  const uid = [payload["uid"], payload["user_id"]].find((id) => ["string", "number", "boolean"].includes(typeof id) && String(id) !== "");
  if (uid === undefined) throw new AuthApiError(400, "MISSING_IDENTIFIER");
  const claims = payload["claims"] ?? {};
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) throw new AuthApiError(400, "INVALID_CLAIMS");
  const forbidden = FORBIDDEN_CLAIMS.find((name) => name in claims);
  if (forbidden) throw new AuthApiError(400, `FORBIDDEN_CLAIM : ${forbidden}`);
  return { uid: String(uid), claims: claims as TokenClaims };
}

function sessionOfIdToken(token: unknown): { uid: string; signedInAt: number } {
  const payload = jwtPayload(token, "INVALID_ID_TOKEN");
  if (typeof payload["user_id"] !== "string") throw new AuthApiError(400, "INVALID_ID_TOKEN");
  if (typeof payload["exp"] !== "number" || payload["exp"] * 1000 < Date.now()) throw new AuthApiError(400, "TOKEN_EXPIRED");
  return { uid: payload["user_id"], signedInAt: Number(payload["auth_time"] ?? payload["iat"] ?? 0) };
}

function sessionOfRefreshToken(token: unknown, projectId: string): Session {
  const fields = typeof token === "string" ? decodeJson(token) : undefined;
  const valid = fields?.["_AuthEmulatorRefreshToken"] === REFRESH_TOKEN_MARK && typeof fields["localId"] === "string" && fields["projectId"] === projectId;
  if (!valid) throw new AuthApiError(400, "INVALID_REFRESH_TOKEN");
  return { uid: fields["localId"] as string, claims: (fields["extraClaims"] ?? {}) as TokenClaims };
}

/** The payload of a JWT, signed or not: like the official emulator, this one does not verify signatures. */
function jwtPayload(token: unknown, refusal: string): Record<string, unknown> {
  const parts = typeof token === "string" ? token.split(".") : [];
  const payload = parts.length === 3 ? decodeJson(parts[1] as string) : undefined;
  if (!payload) throw new AuthApiError(400, refusal);
  return payload;
}

/** Base64 or base64url JSON (Node's base64url decoder reads both alphabets). */
function decodeJson(base64: string): Record<string, unknown> | undefined {
  return decodeJsonText(Buffer.from(base64, "base64url").toString("utf8"));
}

function decodeJsonText(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function base64UrlJson(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** The SDK sends JSON to identitytoolkit and a form to securetoken. */
function parseBody(request: IncomingMessage, body: Buffer): Record<string, unknown> {
  const text = body.toString("utf8");
  if (!text) return {};
  if ((request.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  const fields = decodeJsonText(text);
  if (!fields) throw new AuthApiError(400, "INVALID_JSON_PAYLOAD");
  return fields;
}

/**
 * What the official emulator (and the `cors` middleware it uses, origin reflected) answers: any origin may call,
 * with the headers it asks for. Real identitytoolkit answers CORS as well; a web app calls it cross-origin.
 */
function allowCors(request: IncomingMessage, response: ServerResponse): void {
  const origin = request.headers.origin;
  if (!origin) return;
  response.setHeader("access-control-allow-origin", origin);
  response.setHeader("vary", "Origin, Access-Control-Request-Headers");
  if (request.method !== "OPTIONS") return;
  response.setHeader("access-control-allow-methods", "GET,HEAD,PUT,PATCH,POST,DELETE");
  const asked = request.headers["access-control-request-headers"];
  if (asked) response.setHeader("access-control-allow-headers", asked);
}

function errorBody(code: number, message: string) {
  return { error: { code, message, errors: [{ message, domain: "global", reason: "invalid" }] } };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  response.end(JSON.stringify(body));
}
