/**
 * Tokens in the Firebase Auth emulator's formats (JWTs with alg "none"), for local clients and tests: the ID tokens
 * it issues and the custom tokens it takes (and the OIDC token the task queues attach, in the same unsigned form). Real Firebase rejects both; the local callable host accepts the ID
 * tokens exactly as the Functions emulator does. No Node-only API here: the dashboard imports this in the browser.
 */
export interface TokenClaims {
  admin?: boolean;
  email?: string;
  [claim: string]: unknown;
}

/** The `aud` of every custom token (firebase-admin's createCustomToken); the Auth emulator refuses any other. */
export const CUSTOM_TOKEN_AUDIENCE = "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit";

/** Firebase ID tokens live one hour (the emulator's as well). */
export const ID_TOKEN_LIFETIME_SECONDS = 3600;

export function emulatorIdToken(uid: string, claims: TokenClaims = {}, projectId = "demo-learnpulse"): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    auth_time: now,
    iat: now,
    exp: now + ID_TOKEN_LIFETIME_SECONDS,
    sub: uid,
    user_id: uid,
    firebase: { identities: {}, sign_in_provider: "custom" },
    ...claims,
  };
  return unsignedJwt(payload);
}

/**
 * An unsigned custom token for `signInWithCustomToken` against an Auth emulator: the payload firebase-admin's
 * `createCustomToken(uid, claims)` mints, without the signature (the emulators do not check it).
 */
export function unsignedCustomToken(uid: string, claims: TokenClaims = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return unsignedJwt({
    aud: CUSTOM_TOKEN_AUDIENCE,
    iat: now,
    exp: now + ID_TOKEN_LIFETIME_SECONDS,
    iss: "firebase-auth-emulator@example.com",
    sub: "firebase-auth-emulator@example.com",
    uid,
    ...(Object.keys(claims).length > 0 ? { claims } : {}),
  });
}

/**
 * An unsigned App Check token (the `X-Firebase-AppCheck` header) naming `appId`, in the claims App Check issues.
 * In the emulator's unverified-token mode, firebase-functions decodes it without a signature check, as it does ID
 * tokens, and gives the handler `request.app = {appId, token}`; real App Check tokens are signed and verified.
 */
export function emulatorAppCheckToken(appId = "1:000000000000:web:learnpulse-local", projectId = "demo-learnpulse"): string {
  const now = Math.floor(Date.now() / 1000);
  return unsignedJwt({
    iss: "https://firebaseappcheck.googleapis.com/000000000000",
    aud: ["projects/000000000000", `projects/${projectId}`],
    sub: appId,
    iat: now,
    exp: now + 3600, // App Check's default token lifetime: one hour
  });
}

/**
 * The OIDC token Cloud Tasks puts in a task's Authorization header for its `oidcToken` (Google signs the real one,
 * with the account's numeric id as `sub`; here `sub` is the email). firebase-functions' task handler decodes it into
 * `request.auth` outside an emulator, and ignores it under FUNCTIONS_EMULATOR.
 */
export function unsignedOidcToken(serviceAccountEmail: string, audience: string): string {
  const now = Math.floor(Date.now() / 1000);
  return unsignedJwt({
    iss: "https://accounts.google.com",
    aud: audience,
    azp: serviceAccountEmail,
    sub: serviceAccountEmail,
    email: serviceAccountEmail,
    email_verified: true,
    iat: now,
    exp: now + 3600, // Google ID tokens live one hour
  });
}

function unsignedJwt(payload: object): string {
  return `${base64UrlJson({ alg: "none", typ: "JWT" })}.${base64UrlJson(payload)}.`;
}

/** btoa rather than Buffer, so that the browser can run it too. */
function base64UrlJson(value: object): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(JSON.stringify(value))) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
