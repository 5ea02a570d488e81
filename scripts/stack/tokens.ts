/**
 * Unsigned ID tokens in the Firebase Auth emulator's format (JWT with alg "none"), for local clients and tests.
 * Real Firebase rejects them; the local callable host accepts them exactly as the Functions emulator does.
 */
export interface TokenClaims {
  admin?: boolean;
  email?: string;
  [claim: string]: unknown;
}

export function emulatorIdToken(uid: string, claims: TokenClaims = {}, projectId = "demo-learnpulse"): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    auth_time: now,
    iat: now,
    exp: now + 3600,
    sub: uid,
    user_id: uid,
    firebase: { identities: {}, sign_in_provider: "custom" },
    ...claims,
  };
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(payload)}.`;
}
