/**
 * One named function per log event (STYLE rule 10), with structured fields through firebase-functions/logger.
 * Nothing personal goes in: uids are pseudonymous ids; payloads, answers, user agents, IPs and emails never appear.
 * Free text that is not ours — an error's message and stack — may quote what it was given, so it is redacted
 * (addresses become their networks, emails `[email]`) and cut short; a test scans the log of the whole suite.
 */
import * as logger from "firebase-functions/logger";
import { redactPersonalData } from "./personal-data.js";
import type { FlushRun } from "./schemas/progress.js";

/** Longest error message kept: enough to diagnose, too short to carry a whole payload that a message quoted. */
const MAX_ERROR_MESSAGE = 500;

/** Longest field path kept in call.rejected: ours are short; a client's unknown key can be 64 KiB. */
const MAX_FIELD_PATH = 200;

function errorMessage(error: unknown): string {
  return redactPersonalData((error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_MESSAGE));
}

/** The stack's frames only: its first line repeats the message, uncut. */
function stackFrames(error: Error): string | undefined {
  return error.stack && redactPersonalData(error.stack.split("\n").filter((line) => /^\s+at /.test(line)).join("\n"));
}

export interface RejectedCall {
  fn: string;
  code: string;
  fields?: string[];
}

/** A callable refused a request for an expected reason (bad input, no auth, no permission, ...). */
export function callRejected(fields: RejectedCall): void {
  // Field paths name the client's own keys when they are unknown ones: its text, redacted and cut short like a message.
  const named = fields.fields?.map((path) => redactPersonalData(path.slice(0, MAX_FIELD_PATH)));
  logger.info("call.rejected", { ...fields, ...(named ? { fields: named } : {}) });
}

/** A callable failed unexpectedly; the cause is logged here and never sent to the client. */
export function callFailed(fields: { fn: string; error: unknown }): void {
  const { error } = fields;
  logger.error("call.failed", {
    fn: fields.fn,
    error:
      error instanceof Error
        ? { name: error.name, message: errorMessage(error), stack: stackFrames(error) }
        : errorMessage(error),
  });
}

/** The emulator-only unverified-token mode was found switched on outside the emulator: every call is refused. */
export function unsafeTokenModeRefused(fields: { reason: string }): void {
  logger.error("security.unsafe_token_mode_refused", fields);
}

/** A param that names a service's address is not set: the functions that need it answer `unavailable`. */
export function paramMissing(fields: { param: string }): void {
  logger.error("config.param_missing", fields);
}

/** Upstash was too slow or over a limit: the ping was refused with `resource-exhausted` and the client retries it. */
export function pingShed(fields: { courseId: string; reason: string }): void {
  logger.warn("progress.ping_shed", fields);
}

/** Upstash could not be reached: the ping was written straight to Firestore. */
export function pingDegraded(fields: { courseId: string; reason: string }): void {
  logger.warn("progress.ping_degraded", fields);
}

/**
 * Work that cannot go without Upstash (a flush, the merged read) could not reach it: a callable answered
 * `unavailable`, a scheduled flush left the work to its next run. `cause` is the network error's code, if any.
 */
export function redisUnreachable(fields: { during: "flushNow" | "schedule" | "getProgress" | "flushTask"; error: unknown }): void {
  const { during, error } = fields;
  if (!(error instanceof Error)) return logger.warn("progress.redis_unreachable", { during, error: errorMessage(error) });
  // undici hides what failed (ECONNREFUSED, UND_ERR_SOCKET, ...) in the cause of its "fetch failed".
  const cause = error.cause instanceof Error ? ((error.cause as NodeJS.ErrnoException).code ?? error.cause.name) : undefined;
  logger.warn("progress.redis_unreachable", { during, error: { name: error.name, message: errorMessage(error), ...(cause ? { cause } : {}) } });
}

/** A flush run finished. */
export function flushDone(fields: FlushRun & { trigger: string }): void {
  logger.info("progress.flush_done", fields);
}

/** The flush coordinator put a run's parts on the task queue (`existing`: already there from a repeated run). */
export function flushEnqueued(fields: { runId: string; parts: number; enqueued: number; existing: number }): void {
  logger.info("progress.flush_enqueued", fields);
}

/** A change whose trigger ran too late to deliver it (Eventarc retried it for hours): dead letters wait for reconcile. */
export function eventTooOld(fields: { collection: string; eventId: string; sinks: string[] }): void {
  logger.error("sync.event_too_old", fields);
}

/** A delivery task whose payload is not a change: acknowledged without work (it can only be a bug or forged). */
export function deliveryTaskRefused(fields: { sink: string; issues: { path: string; message: string }[] }): void {
  logger.error("sync.delivery_task_refused", fields);
}

/** A flush task whose payload is not a part: acknowledged without work (it can only be a bug or forged). */
export function flushTaskRefused(fields: { issues: { path: string; message: string }[] }): void {
  logger.error("progress.flush_task_refused", fields);
}

/** A flush worker finished its part. */
export function flushPartDone(fields: Record<string, unknown> & { runId: string; shard: number; part: number }): void {
  logger.info("progress.flush_part_done", fields);
}

/** A scheduled flush found another flush running and left the work to it. */
export function flushSkipped(fields: { reason: string }): void {
  logger.info("progress.flush_skipped", fields);
}

/** The flush could not complete a lecture that passed the threshold, transiently: the key stays dirty and is retried. */
export function completionFailed(fields: { courseId: string; lectureId: string; reason: string }): void {
  logger.warn("progress.completion_failed", fields);
}

/**
 * Lectures whose coverage passed the threshold but that cannot be completed because the course or lecture does not
 * exist: their progress was stored, uncompleted. Once per flush run (or degraded ping), `count` completions in all.
 */
export function completionsSkipped(fields: {
  trigger: string;
  reason: "not_found";
  count: number;
  lectures: { courseId: string; lectureId: string }[];
}): void {
  logger.warn("progress.completions_skipped", fields);
}

/** Buffered progress named lectures that are not in their course's catalogue: left out, never stored. Once per run. */
export function lecturesDropped(fields: { trigger: string; count: number; lectures: { courseId: string; lectureId: string }[] }): void {
  logger.warn("progress.lectures_dropped", fields);
}

/** A course has more lectures than the progress document's bound was worked out for (docs/architecture.md). */
export function courseTooLarge(fields: { courseId: string; lectures: number; max: number }): void {
  logger.error("progress.course_too_large", fields);
}

/** A key's write failed in several runs in a row: its buffered fields moved to the quarantine (replayQuarantine). */
export function keyQuarantined(fields: { uid: string; courseId: string; failures: number; fields: number; error: unknown }): void {
  logger.error("progress.key_quarantined", { ...fields, error: errorMessage(fields.error) });
}

/** Moving a key to the quarantine failed: it stays dirty with its fields, and the next run tries again. */
export function quarantineFailed(fields: { uid: string; courseId: string; error: unknown }): void {
  logger.error("progress.quarantine_failed", { ...fields, error: errorMessage(fields.error) });
}

/** A replayQuarantine run. */
export function quarantineReplayed(fields: { replayed: number; restored: number; failed: number }): void {
  logger.info("progress.quarantine_replayed", fields);
}

/**
 * An attempt of a delivery task failed: the sink did not take the change (the queue retries it), or its last attempt
 * could not record the dead letter (the queue retries that). `retryCount` counts the attempts before this one.
 */
export function deliveryAttemptFailed(fields: { sink: string; retryCount: number; collection?: string; eventId?: string; error: unknown }): void {
  logger.warn("sync.delivery_attempt_failed", { ...fields, error: errorMessage(fields.error) });
}

/** A replay of dead letters finished. */
export function replayDone(fields: { trigger: string; replayed: number; succeeded: number; failed: number }): void {
  logger.info("sync.replay_done", fields);
}

/** A reconciliation run finished (its report is also in `_sync/reconcile/runs/{runId}`). */
export function reconcileDone(fields: {
  runId: string;
  collection: string;
  sink: string;
  repair: boolean;
  sampled: boolean;
  checked: number;
  missing: number;
  stale: number;
  changed: number;
  extra: number;
  repaired: number;
  repairFailed: number;
  durationMs: number;
}): void {
  const { runId, collection, sink, repair, sampled, checked, missing, stale, changed, extra, repaired, repairFailed, durationMs } = fields;
  const divergent = missing + stale + extra > 0;
  (divergent ? logger.warn : logger.info)("sync.reconcile_done", { runId, collection, sink, repair, sampled, checked, missing, stale, changed, extra, repaired, repairFailed, durationMs });
}

/** An erasure was asked for (its report: `_sync/erasures/requests/{requestId}`). No uid: the log must not name the learner. */
export function erasureStarted(fields: { requestId: string; requestedBy: "self" | "admin" | "auth" }): void {
  logger.info("rights.erasure_started", fields);
}

/** One erasure pass, with what each store still holds. */
export function erasurePass(fields: { requestId: string; passes: number; status: "done" | "pending"; remaining: Record<string, number> }): void {
  logger.info("rights.erasure_pass", fields);
}

/** An erasure still holds data after MAX_ERASURE_PASSES passes and schedules no more: an operator's turn. */
export function erasureStuck(fields: { requestId: string; passes: number }): void {
  logger.error("rights.erasure_stuck", fields);
}

/** An eraseUser task whose payload is not one: acknowledged, since a retry cannot fix it. */
export function erasureTaskRefused(fields: { issues: { path: string; message: string }[] }): void {
  logger.error("rights.erasure_task_refused", fields);
}

/** An erasure pass failed (a store unreachable); the queue retries it. */
export function erasurePassFailed(fields: { requestId: string; error: unknown }): void {
  const { requestId, error } = fields;
  logger.warn("rights.erasure_pass_failed", { requestId, error: error instanceof Error ? { name: error.name, message: errorMessage(error) } : errorMessage(error) });
}

/** A deleted Auth user whose uid could not have stored anything (not an id the callables accept): nothing to erase. */
export function erasureSkipped(fields: { reason: "uid_not_an_id" }): void {
  logger.info("rights.erasure_skipped", fields);
}
