/**
 * The partitioned flush on Cloud Tasks (docs/architecture.md "Scale-out"). The scheduled coordinator enqueues one task
 * per (shard, part) of the closed window to the `flushPartition` queue; Cloud Tasks dispatches them to as many
 * workers as the queue allows, retries a failed or locked part with backoff, and each worker reports its part into
 * `_sync/writeBehind/runs/{runId}`, which getSyncStatus aggregates. Nothing here keeps state between runs: a part a
 * worker never finished still holds its fields, and the next window's task for that part drains them too.
 */
import { z } from "zod";
import type { FirestoreKit } from "../adapters/firestore.js";
import { REGION } from "../config.js";
import * as logs from "../logs.js";
import type { FlushDeps } from "./flush-ports.js";
import { drainableUpTo, flushPart, logOutcasts, partsOf, summarize, type Part, type PartSummary } from "./flush.js";

/** The task function's name: the queue is named after it. */
export const FLUSH_TASK_FUNCTION = "flushPartition";

export const FlushTask = z.strictObject({
  shard: z.number().int().min(0).max(63),
  part: z.number().int().min(0).max(63),
  runId: z.string().regex(/^r\d{1,15}$/),
});
export type FlushTask = z.infer<typeof FlushTask>;

export const WRITE_BEHIND_DOC = "_sync/writeBehind";
export const flushRunPath = (runId: string) => `${WRITE_BEHIND_DOC}/runs/${runId}`;
const partField = ({ shard, part }: Part) => `${shard}-${part}`;

/** Tasks enqueued at once by the coordinator (each is one HTTPS request to Cloud Tasks). */
const ENQUEUES_IN_FLIGHT = 16;

/** What the coordinator needs: a queue to put tasks on (firebase-admin's TaskQueue in production). */
export interface FlushQueue {
  /** Resolves when enqueued, or when a task with this id exists already (a repeated run of the schedule). */
  enqueue(task: FlushTask, id: string): Promise<"enqueued" | "exists">;
}

/** A scheduled run's id, from the time Cloud Scheduler gave its event: a repeated delivery of it enqueues nothing twice. */
export const flushRunId = (scheduleTimeMs: number) => `r${scheduleTimeMs}`;

/**
 * The coordinator: one task per part of every shard, named after the run. A failure to enqueue throws: the schedule
 * run fails visibly, and the next run's tasks drain what this one left, since every part's task drains all closed
 * windows.
 */
export async function enqueueFlush(
  kit: FirestoreKit,
  queue: FlushQueue,
  shards: readonly number[],
  windowMs: number,
  run: { scheduleTimeMs: number; nowMs?: number },
): Promise<{ runId: string; enqueued: number; existing: number }> {
  const window = drainableUpTo(run.nowMs ?? Date.now(), windowMs);
  const runId = flushRunId(run.scheduleTimeMs);
  const parts = partsOf(shards);
  await kit.db.doc(flushRunPath(runId)).set({ window, partsTotal: parts.length, startedAt: kit.sdk.FieldValue.serverTimestamp() }, { merge: true });
  await kit.db.doc(WRITE_BEHIND_DOC).set({ lastRunId: runId }, { merge: true });
  let enqueued = 0;
  let existing = 0;
  for (let start = 0; start < parts.length; start += ENQUEUES_IN_FLIGHT) {
    const outcomes = await Promise.all(
      parts.slice(start, start + ENQUEUES_IN_FLIGHT).map((part) => queue.enqueue({ ...part, runId }, `flush-${runId}-${partField(part)}`)),
    );
    enqueued += outcomes.filter((outcome) => outcome === "enqueued").length;
    existing += outcomes.filter((outcome) => outcome === "exists").length;
  }
  logs.flushEnqueued({ runId, parts: parts.length, enqueued, existing });
  return { runId, enqueued, existing };
}

/**
 * The worker: flushes its part and records the part's report in the run's document (one field per part, so parts never
 * contend on a counter). A locked part or a failure throws, and Cloud Tasks retries the task with backoff.
 */
export async function runFlushTask(kit: FirestoreKit, deps: FlushDeps, task: FlushTask, attempt: number): Promise<PartSummary> {
  const report = await flushPart(deps, task, { runId: task.runId });
  logOutcasts("task", [report]);
  const summary = summarize(report);
  await kit.db.doc(flushRunPath(task.runId)).set({ parts: { [partField(task)]: { ...summary, attempt, at: kit.sdk.FieldValue.serverTimestamp() } } }, { merge: true });
  logs.flushPartDone({ ...summary, shard: task.shard, part: task.part, runId: task.runId, attempt });
  return summary;
}

/** The production queue: firebase-admin's TaskQueue of the worker function (CLOUD_TASKS_EMULATOR_HOST locally). */
export async function adminFlushQueue(): Promise<FlushQueue> {
  const [{ getApps, initializeApp }, { getFunctions }] = await Promise.all([import("firebase-admin/app"), import("firebase-admin/functions")]);
  const queue = getFunctions(getApps()[0] ?? initializeApp()).taskQueue<FlushTask>(`locations/${REGION}/functions/${FLUSH_TASK_FUNCTION}`);
  return {
    async enqueue(task, id) {
      try {
        await queue.enqueue(task, { id });
        return "enqueued";
      } catch (error) {
        if ((error as { code?: unknown }).code === "functions/task-already-exists") return "exists";
        throw error;
      }
    },
  };
}
