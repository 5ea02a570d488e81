/**
 * The one wrapper every callable goes through: emulator-token guard, auth, App Check, payload size, the per-user
 * rate limit, strict zod validation, then the use case; domain errors become HttpsErrors, anything else `internal`.
 */
import { HttpsError, type CallableRequest } from "firebase-functions/https";
import type { z } from "zod";
import { ENFORCE_APP_CHECK, rateLimitMultiplier } from "./config.js";
import { RateLimiter, type RateLimit } from "./rate-limit.js";
import { ID_PATTERN } from "./schemas/common.js";
import { screenedIssues } from "./on-callable.js";
import { parseInput } from "./validation.js";
import {
  DomainError,
  InvalidInputError,
  PermissionDeniedError,
  RateLimitedError,
  UnauthenticatedError,
  type FieldIssue,
} from "./errors.js";
import * as logs from "./logs.js";

/** Largest request body a callable accepts; API.md payloads are far smaller (metadata ≤ 4 KiB, ≤ 100 segments). */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** Who is calling, derived from the verified token only — never from the payload. */
export interface Caller {
  uid: string;
  admin: boolean;
  /** The `teacher` claim, or `admin` (an admin may do everything a teacher may). */
  teacher: boolean;
}

/** The roles a callable may require (API.md "Roles"), from the custom claims of the verified token. */
export type Role = "admin" | "teacher";

export interface CallableSpec<Schema extends z.ZodType> {
  /** The exported function name, for logs. */
  name: string;
  schema: Schema;
  /** Require a role: `admin` (the claim `admin: true`) or `teacher` (the claim `teacher: true`, or `admin: true`). */
  role?: Role;
  /** Per-user limit of this callable in each instance (RATE_LIMITS); none when absent. */
  rateLimit?: RateLimit;
}

export type CallableHandler<Out> = (request: CallableRequest<unknown>) => Promise<Out>;

/** Wraps a use case as a callable handler: `onCallable(callableOptions, callable(spec, useCase))` (on-callable.ts). */
export function callable<Schema extends z.ZodType, Out>(
  spec: CallableSpec<Schema>,
  run: (input: z.infer<Schema>, caller: Caller, request: CallableRequest<unknown>) => Promise<Out>,
): CallableHandler<Out> {
  const limiter = spec.rateLimit && new RateLimiter(spec.rateLimit);
  return async (request) => {
    try {
      refuseUnsafeTokenMode();
      // Cheapest refusals first, and none of them keeps state. The limit needs the verified uid, and comes after App
      // Check and the size check so that requests refused anyway never take a user's tokens or a limiter entry; it
      // comes before validation so that a flood of garbage is throttled like any other and costs no zod parse.
      const caller = authenticate(request, spec.role);
      requireAppCheck(request);
      requireSmallBody(request);
      refuseUndecodable(request);
      if (limiter) throttle(limiter, caller.uid);
      return await run(parseInput(spec.schema, request.data), caller, request);
    } catch (error) {
      const httpsError = toHttpsError(error);
      if (httpsError) {
        logs.callRejected({ fn: spec.name, code: httpsError.code, fields: fieldsOf(httpsError) });
        throw httpsError;
      }
      logs.callFailed({ fn: spec.name, error });
      throw new HttpsError("internal", "Internal error");
    }
  };
}

function authenticate(request: CallableRequest<unknown>, role: Role | undefined): Caller {
  const uid = request.auth?.uid;
  if (!uid) throw new UnauthenticatedError("Sign in first");
  // The uid names Firestore paths (users/{uid}) and Redis keys (lp:b:…:{uid}:…): the same rule as every other id.
  if (!ID_PATTERN.test(uid)) throw new PermissionDeniedError("Unsupported user id");
  const admin = request.auth?.token?.["admin"] === true;
  const teacher = admin || request.auth?.token?.["teacher"] === true;
  if (role === "admin" && !admin) throw new PermissionDeniedError("Admins only");
  if (role === "teacher" && !teacher) throw new PermissionDeniedError("Teachers only");
  return { uid, admin, teacher };
}

function requireAppCheck(request: CallableRequest<unknown>): void {
  // Checked here, at run time, rather than through onCall's enforceAppCheck option, which reads the param at import.
  // A verified token always names its app; the emulator's unverified mode also lets through tokens that name none.
  if (ENFORCE_APP_CHECK.value() && !request.app?.appId) throw new UnauthenticatedError("App Check token required");
}

function requireSmallBody(request: CallableRequest<unknown>): void {
  const size = request.rawRequest?.rawBody?.length ?? 0;
  if (size > MAX_REQUEST_BYTES) {
    throw new InvalidInputError([{ path: "", message: `request larger than ${MAX_REQUEST_BYTES} bytes` }]);
  }
}

function throttle(limiter: RateLimiter, uid: string): void {
  const verdict = limiter.take(uid, rateLimitMultiplier());
  if (!verdict.allowed) throw new RateLimitedError("Too many requests; retry later", { retryAfterMs: verdict.retryAfterMs });
}

/** What onCallable's screen took out of `data` before firebase-functions decoded it (on-callable.ts). */
function refuseUndecodable(request: CallableRequest<unknown>): void {
  const issues = screenedIssues(request.rawRequest);
  if (issues) throw new InvalidInputError(issues);
}

/** Maps a domain error to the HttpsError the client sees; undefined for anything unexpected. */
export function toHttpsError(error: unknown): HttpsError | undefined {
  if (error instanceof HttpsError) return error;
  if (!(error instanceof DomainError)) return undefined;
  // API.md: `details` lists each failing field as {path, message}.
  const details = error instanceof InvalidInputError ? error.details.issues : error.details;
  return new HttpsError(error.code, error.message, details);
}

function fieldsOf(error: HttpsError): string[] | undefined {
  const details: unknown = error.details;
  return Array.isArray(details) ? details.map((issue: FieldIssue) => issue.path) : undefined;
}

/** The guard's verdict, computed once per instance (the environment does not change while it runs). */
let unsafeTokenMode: { reason: string | null } | undefined;

/**
 * firebase-functions skips ID-token verification when FIREBASE_DEBUG_MODE/FIREBASE_DEBUG_FEATURES say so, as the
 * Functions emulator does. That is only acceptable inside the emulator with a `demo-` project (a Firebase convention
 * for projects that have no cloud resources); anywhere else every call is refused.
 *
 * "Inside the emulator" is decided as firebase-functions decides it (`FUNCTIONS_EMULATOR`, e.g. for task queues):
 * the Functions emulator sets it next to `K_SERVICE`, so `K_SERVICE` alone cannot tell a deployed service from an
 * emulated one. A deployed service never has `FUNCTIONS_EMULATOR`, and no real project id starts with `demo-`.
 */
export function refuseUnsafeTokenMode(env: NodeJS.ProcessEnv = process.env): void {
  unsafeTokenMode ??= { reason: unsafeTokenModeReason(env) };
  if (unsafeTokenMode.reason) {
    logs.unsafeTokenModeRefused({ reason: unsafeTokenMode.reason });
    throw new HttpsError("internal", "Internal error");
  }
}

export function unsafeTokenModeReason(env: NodeJS.ProcessEnv): string | null {
  if (env["FIREBASE_DEBUG_MODE"] !== "true") return null;
  let features: unknown;
  try {
    features = JSON.parse(env["FIREBASE_DEBUG_FEATURES"] ?? "{}");
  } catch {
    return null; // firebase-functions ignores unparsable features too
  }
  if (typeof features !== "object" || features === null || !("skipTokenVerification" in features)) return null;
  if (!features.skipTokenVerification) return null;
  if (env["FUNCTIONS_EMULATOR"] !== "true") {
    return env["K_SERVICE"] ? "skipTokenVerification is on in a Cloud Run service" : "skipTokenVerification is on outside the emulator";
  }
  const project = env["GCLOUD_PROJECT"] ?? env["GOOGLE_CLOUD_PROJECT"] ?? "";
  if (!project.startsWith("demo-")) return `skipTokenVerification is on for non-demo project "${project}"`;
  return null;
}
