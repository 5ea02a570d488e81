/** Test helpers that reach the local stack over HTTP: callables (as a client would) and the stack's control routes. */
import { randomUUID } from "node:crypto";
import { emulatorIdToken, type TokenClaims } from "@learnpulse/local-stack";
import type { StackStats } from "@learnpulse/local-stack";

export interface CallOptions {
  /** Sign in as this uid (default: a fresh one); `null` sends no token. */
  uid?: string | null;
  claims?: TokenClaims;
  /** Send this exact body instead of `{data}`. */
  rawBody?: string;
  /** More request headers (`X-Firebase-AppCheck`, `User-Agent`, `X-Forwarded-For`, ...). */
  headers?: Record<string, string>;
}

export interface CallAnswer {
  status: number;
  body: { result?: unknown; error?: { status: string; message: string; details?: unknown } };
}

/** Calls a callable over HTTP with the callable protocol, as the Firebase client SDKs do. */
export async function callFunction(name: string, data: unknown, options: CallOptions = {}): Promise<CallAnswer> {
  const uid = options.uid === undefined ? uniqueId("user") : options.uid;
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (uid !== null) headers["authorization"] = `Bearer ${emulatorIdToken(uid, options.claims)}`;
  const response = await fetch(`${process.env["LEARNPULSE_FUNCTIONS_URL"]}/${name}`, {
    method: "POST",
    headers,
    body: options.rawBody ?? JSON.stringify({ data }),
  });
  return { status: response.status, body: (await response.json()) as CallAnswer["body"] };
}

/**
 * flushNow as an operator runs it on the shared stack: `unavailable` (another test file's flush holds a part past the
 * 60 s flushNow waits, or the shared Redis stand-in answered too late on a busy machine) means "try again shortly"
 * (API.md), so it is tried again, a few times. Answers the last answer.
 */
export async function flushNowAsAdmin(attempts = 4): Promise<CallAnswer> {
  let answer = await callFunction("flushNow", {}, { claims: { admin: true } });
  for (let tried = 1; answer.status === 503 && tried < attempts; tried++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    answer = await callFunction("flushNow", {}, { claims: { admin: true } });
  }
  return answer;
}

/** A unique id for this test's documents and users, so tests run in parallel and in any order. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 12)}`;
}

async function control<T>(path: string, method = "POST"): Promise<T> {
  const response = await fetch(`${process.env["LEARNPULSE_STACK_URL"]}/${path}`, { method });
  if (!response.ok) throw new Error(`stack control ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export const stackStats = () => control<StackStats>("stats", "GET");
/** Waits until every Firestore trigger fired so far has finished. */
export const triggersIdle = () => control<{ idle: true }>("idle");
export const runSchedule = (name: string) => control<{ ran: string }>(`schedules/${name}`);

export type FaultService = "redis" | "bigquery" | "mongo" | "cosmos";
export type FaultMode = "off" | "refuse" | "timeout" | "error" | "throttle";
/** Makes a stand-in fail (or recover) — the stack's fault injection, for chaos tests. */
export const setFault = (service: FaultService, mode: FaultMode) => control<{ service: string }>(`faults/${service}/${mode}`);
/** Commits writing under the path prefix fail with DEADLINE_EXCEEDED until called with "off". */
export const failFirestoreWrites = (prefix: string) => control<{ failing: string }>(`faults/firestore-writes/${encodeURIComponent(prefix)}`);
/** Cuts the Listen streams of one signed-in learner (the SDK must reconnect); answers how many were open. */
export const dropListenStreams = (uid: string) => control<{ dropped: number }>(`faults/firestore-listen/drop/${encodeURIComponent(uid)}`);

/** Sets a param in the stack's functions, as redeploying with a new value would. */
export const setParam = (name: string, value: string) => control<Record<string, string>>(`params/${name}/${encodeURIComponent(value)}`);
/** Zeroes the stand-ins' counters (chaos tests, which run alone, measure from zero). */
export const resetStats = () => control<{ reset: boolean }>("reset-stats");
