/**
 * One fuzzed call over HTTP with the callable protocol, and what its answer was: a result, a protocol error with its
 * status, or something that is not the protocol at all (wrong HTTP status, not JSON, no answer).
 */
import { emulatorIdToken } from "@learnpulse/local-stack/tokens.ts";

export type Verdict = "OK" | "NON_PROTOCOL" | string;

export interface Answer {
  verdict: Verdict;
  httpStatus: number;
  /** The error message, or why the answer is not the protocol. */
  message?: string;
}

/** firebase-functions' HTTP status per callable error status (common/providers/https.js errorCodeMap). */
const HTTP_STATUS: Record<string, number> = {
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
};

/** flushNow may wait a minute for a running flush; anything slower than this is no answer. */
const CALL_TIMEOUT_MS = 120_000;

export interface Caller {
  uid: string;
  admin: boolean;
}

export async function sendCall(url: string, body: string, caller: Caller | null): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (caller) headers["authorization"] = `Bearer ${emulatorIdToken(caller.uid, caller.admin ? { admin: true } : {})}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    text = await response.text();
  } catch (error) {
    return { verdict: "NON_PROTOCOL", httpStatus: 0, message: `no answer: ${error instanceof Error ? error.message : String(error)}` };
  }
  return classify(response.status, text);
}

export function classify(httpStatus: number, text: string): Answer {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { verdict: "NON_PROTOCOL", httpStatus, message: `not JSON: ${text.slice(0, 120)}` };
  }
  if (httpStatus === 200 && isRecord(body) && "result" in body) return { verdict: "OK", httpStatus };
  const error = isRecord(body) ? body["error"] : undefined;
  if (isRecord(error) && typeof error["status"] === "string" && typeof error["message"] === "string") {
    const status = error["status"];
    if (HTTP_STATUS[status] === httpStatus) return { verdict: status, httpStatus, message: error["message"] };
    return { verdict: "NON_PROTOCOL", httpStatus, message: `${status} with HTTP ${httpStatus}` };
  }
  return { verdict: "NON_PROTOCOL", httpStatus, message: `neither result nor error: ${text.slice(0, 120)}` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
