/**
 * The callables over the callable protocol (API.md: POST `{data}` with a bearer ID token, answered `{result}` or
 * `{error}`), through the dev server's `/fn` proxy.
 *
 * Why not the Firebase JS SDK's httpsCallable: it takes its token from Firebase Auth, and the local stack has no
 * Auth emulator; it signs in with unsigned emulator ID tokens (alg "none"), which the callable host accepts on
 * loopback for demo- projects only. The wire format is the same, so swapping in the typed client (client/src/api.ts)
 * changes nothing on the server side.
 */
import type { GetHeatmapRequest, HeatmapResponse, RecordActivityRequest, RecordActivityResponse } from "../../functions/src/schemas/activity.ts";
import type { FlushNowRequest, GetProgressResponse, SaveProgressRequest } from "../../functions/src/schemas/progress.ts";
import type { ReconcileRequest, ReconcileResponse, ReplayDeadLettersRequest, SyncStatusResponse } from "../../functions/src/schemas/sync.ts";
import type { StudentStats } from "../../functions/src/schemas/user.ts";

export interface Identity {
  uid: string;
  admin: boolean;
}

/** The error a callable answered with: `code` is the callable status, lower-case as the SDK reports it. */
export class CallableError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

interface Callables {
  saveProgress: [SaveProgressRequest, { message: string }];
  getProgress: [{ courseId: string }, GetProgressResponse];
  recordActivity: [RecordActivityRequest, RecordActivityResponse];
  getHeatmap: [GetHeatmapRequest, HeatmapResponse];
  getStudentStats: [Record<string, never>, StudentStats];
  getSyncStatus: [Record<string, never>, SyncStatusResponse];
  flushNow: [FlushNowRequest, { keys: number; writes: number; durationMs: number; remainingDirty: number }];
  replayDeadLetters: [ReplayDeadLettersRequest, { replayed: number; succeeded: number; failed: number }];
  reconcile: [ReconcileRequest, ReconcileResponse];
}
export type CallableName = keyof Callables;

export async function call<N extends CallableName>(identity: Identity, name: N, data: Callables[N][0]): Promise<Callables[N][1]> {
  const response = await fetch(`/fn/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${emulatorIdToken(identity)}` },
    body: JSON.stringify({ data }),
  });
  const body = (await response.json().catch(() => ({}))) as { result?: Callables[N][1]; error?: { status?: string; message?: string } };
  if (body.error || !response.ok) {
    throw new CallableError((body.error?.status ?? `http-${response.status}`).toLowerCase().replaceAll("_", "-"), body.error?.message ?? response.statusText);
  }
  return body.result as Callables[N][1];
}

/** The Firebase Auth emulator's unsigned token format (scripts/stack/tokens.ts); real Firebase rejects it. */
export function emulatorIdToken({ uid, admin }: Identity, projectId = "demo-learnpulse"): string {
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
    ...(admin ? { admin: true } : {}),
  };
  return `${base64url({ alg: "none", typ: "JWT" })}.${base64url(payload)}.`;
}

function base64url(value: object): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
