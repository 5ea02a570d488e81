/**
 * The Cloud Tasks REST API's CreateTask body, as firebase-admin's `taskQueue(name).enqueue(data, opts)` sends it —
 * `{task: {name?, scheduleTime?, dispatchDeadline?, httpRequest: {url, oidcToken, body (base64), headers}}}` — read
 * into a task with Cloud Tasks' own checks, and Google's error shape for the answers that refuse one.
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { QueuedTask } from "./queue.ts";

/** Google's JSON error body, whose `status` firebase-admin maps to its error codes (409 becomes task-already-exists). */
export interface ApiError {
  code: number;
  status: string;
  message: string;
}

/** Cloud Tasks quotas: "Maximum task size: 1 MB" (whether 10^6 or 2^20 bytes is not said: the smaller here). */
const MAX_TASK_BYTES = 1_000_000;
/** Cloud Tasks quotas: a task may be scheduled at most 30 days ahead. */
const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 60 * 60 * 1000;
/** Cloud Tasks' dispatch deadline for HTTP targets: 10 minutes unless the task sets one in [15 s, 30 min]. */
const DEFAULT_DEADLINE_SECONDS = 600;
const MIN_DEADLINE_SECONDS = 15;
const MAX_DEADLINE_SECONDS = 1800;
/** Task ids: letters, digits, hyphens and underscores, at most 500 (Task.name). */
const TASK_ID = /^[A-Za-z0-9_-]{1,500}$/;

export const apiError = (code: number, status: string, message: string): ApiError => ({ code, status, message });

export function sendError(res: ServerResponse, error: ApiError): void {
  res.writeHead(error.code, { "content-type": "application/json" }).end(JSON.stringify({ error }));
}

/** Reads a CreateTask body for the queue at `queuePath` (projects/…/queues/{queue}); an ApiError when Cloud Tasks would refuse it. */
export function parseCreateTask(body: unknown, queuePath: string, now = Date.now()): QueuedTask | ApiError {
  const invalid = (message: string) => apiError(400, "INVALID_ARGUMENT", message);
  const task = (body as { task?: unknown } | undefined)?.task as Record<string, unknown> | undefined;
  const http = task?.["httpRequest"] as Record<string, unknown> | undefined;
  if (typeof task !== "object" || task === null || typeof http !== "object" || http === null) return invalid("task.httpRequest is required");
  if (typeof http["body"] !== "string") return invalid("task.httpRequest.body must be base64 text");
  const headers = (http["headers"] ?? {}) as Record<string, unknown>;
  if (Object.values(headers).some((value) => typeof value !== "string")) return invalid("task.httpRequest.headers must map names to strings");

  const id = typeof task["name"] === "string" ? task["name"].slice(task["name"].lastIndexOf("/") + 1) : generatedId();
  const name = `${queuePath}/tasks/${id}`;
  if (typeof task["name"] === "string" && (task["name"] !== name || !TASK_ID.test(id))) {
    return invalid(`task.name must be ${queuePath}/tasks/{id} with an id of letters, digits, - and _`);
  }
  const scheduleTime = task["scheduleTime"] === undefined ? now : Date.parse(String(task["scheduleTime"]));
  if (!Number.isFinite(scheduleTime)) return invalid("task.scheduleTime must be an RFC 3339 timestamp");
  if (scheduleTime - now > MAX_SCHEDULE_AHEAD_MS) return invalid("task.scheduleTime is more than 30 days ahead");
  const deadline = task["dispatchDeadline"] === undefined ? DEFAULT_DEADLINE_SECONDS : seconds(task["dispatchDeadline"]);
  if (!(deadline >= MIN_DEADLINE_SECONDS && deadline <= MAX_DEADLINE_SECONDS)) return invalid("task.dispatchDeadline must be between 15s and 1800s");

  const payload = Buffer.from(http["body"], "base64");
  const size = payload.length + name.length + Object.entries(headers).reduce((sum, [key, value]) => sum + key.length + String(value).length, 0);
  if (size > MAX_TASK_BYTES) return invalid(`Task size too large: ${size} bytes, above ${MAX_TASK_BYTES}`);
  const oidc = http["oidcToken"] as { serviceAccountEmail?: unknown; audience?: unknown } | undefined;
  return {
    id,
    name,
    body: payload,
    headers: headers as Record<string, string>,
    ...(typeof oidc?.serviceAccountEmail === "string" && oidc.serviceAccountEmail
      ? { oidcToken: { serviceAccountEmail: oidc.serviceAccountEmail, ...(typeof oidc.audience === "string" ? { audience: oidc.audience } : {}) } }
      : {}),
    scheduleTime,
    dispatchDeadlineMs: deadline * 1000,
  };
}

/** The Task resource CreateTask answers with (its BASIC view: no body). */
export function taskResource(task: QueuedTask, createTime: number): object {
  return {
    name: task.name,
    scheduleTime: new Date(task.scheduleTime).toISOString(),
    createTime: new Date(createTime).toISOString(),
    dispatchDeadline: `${task.dispatchDeadlineMs / 1000}s`,
    dispatchCount: 0,
    responseCount: 0,
    view: "BASIC",
  };
}

/** A protobuf Duration in JSON ("15s", "1.5s"); NaN otherwise. */
function seconds(duration: unknown): number {
  const match = typeof duration === "string" ? /^(\d+(?:\.\d+)?)s$/.exec(duration) : null;
  return match ? Number(match[1]) : Number.NaN;
}

/** Cloud Tasks names an unnamed task with a large decimal number. */
function generatedId(): string {
  return BigInt.asUintN(63, randomBytes(8).readBigUInt64BE()).toString();
}
