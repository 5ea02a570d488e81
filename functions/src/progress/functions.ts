/** Registrations of the progress capability's functions (API.md "Progress"). */
import { onDocumentWritten } from "firebase-functions/firestore";
import { onSchedule } from "firebase-functions/scheduler";
import { onTaskDispatched } from "firebase-functions/tasks";
import { firestore, firestoreKit } from "../adapters/firestore.js";
import type { Redis } from "@upstash/redis";
import { coalescingHset, isUnreachable, upstash, upstashBulk, upstashForHset } from "../adapters/upstash.js";
import { callable } from "../callable.js";
import { completionThreshold, FLUSH_SCHEDULE, FLUSH_WORKERS, REDIS_SECRETS, REGION } from "../config.js";
import { UnavailableError } from "../errors.js";
import * as logs from "../logs.js";
import { adminCallableOptions, callableOptions, redisCallableOptions, scheduleOptions } from "../options.js";
import { RATE_LIMITS } from "../rate-limit.js";
import {
  CompleteLectureRequest,
  FlushNowRequest,
  GetCourseProgressRequest,
  GetProgressRequest,
  ReplayQuarantineRequest,
  SaveProgressRequest,
  type FlushRun,
} from "../schemas/progress.js";
import { toFieldIssues } from "../validation.js";
import { readCatalogue, refreshCourseTotals } from "./catalogue.js";
import { ID_PATTERN } from "../schemas/common.js";
import { completeIfCatalogued, recordLectureCompletion } from "./complete.js";
import { flushAll, FlushLockedError, type FlushAllOptions } from "./flush.js";
import type { FlushDeps } from "./flush-ports.js";
import { firestoreFlushStore } from "./flush-store.js";
import { adminFlushQueue, enqueueFlush, FlushTask, runFlushTask, WRITE_BEHIND_DOC } from "./flush-tasks.js";
import type { BufferedProgress } from "./layout.js";
import { recordPing, type PingCache } from "./ping.js";
import { replayQuarantine } from "./quarantine.js";
import { readCourseProgress, readProgress } from "./read.js";
import { allShards, userShards } from "./shards.js";
import { writeBufferedDirect } from "./store.js";
import { windowMsOfSchedule } from "./window.js";
import { onCallable } from "../on-callable.js";

const windowMs = windowMsOfSchedule(FLUSH_SCHEDULE);

const pingCaches = new Map<number, PingCache>();

/** The ping's Upstash port of a shard: the HSETs of concurrent pings coalesced, on a client that never retries them. */
export function pingCacheOf(hsetClient: Redis): PingCache {
  return { hset: coalescingHset(hsetClient) };
}

function pingCache(shard: number): PingCache {
  let cache = pingCaches.get(shard);
  if (!cache) pingCaches.set(shard, (cache = pingCacheOf(upstashForHset(shard))));
  return cache;
}

export const handleSaveProgress = callable({ name: "saveProgress", schema: SaveProgressRequest, rateLimit: RATE_LIMITS.saveProgress }, async (ping, caller) => {
  await recordPing({ cache: pingCache(userShards(caller.uid).current), writeDirect, windowMs }, caller.uid, ping);
  return { message: "synced" as const };
});

export const handleCompleteLecture = callable({ name: "completeLecture", schema: CompleteLectureRequest, rateLimit: RATE_LIMITS.completeLecture }, async (input, caller) =>
  recordLectureCompletion(await firestoreKit(), caller.uid, input.courseId, input.lectureId),
);

export const handleGetProgress = callable({ name: "getProgress", schema: GetProgressRequest }, async (input, caller) => {
  const shards = userShards(caller.uid);
  const caches = { current: upstash(shards.current), ...(shards.previous !== undefined ? { previous: upstash(shards.previous) } : {}) };
  return readProgress(await firestore(), caches, caller.uid, input.courseId);
});

export const handleGetCourseProgress = callable({ name: "getCourseProgress", schema: GetCourseProgressRequest }, async (_input, caller) =>
  readCourseProgress(await firestore(), caller.uid),
);

/** How long flushNow waits for a part a worker is flushing before answering `unavailable`. */
const FLUSH_NOW_WAIT_MS = 60_000;

export const handleFlushNow = callable({ name: "flushNow", schema: FlushNowRequest, role: "admin" }, async (input) => {
  try {
    const result = await runFlush({ includeOpen: true, trigger: "flushNow", lockWaitMs: FLUSH_NOW_WAIT_MS, ...(input.maxKeys ? { maxKeys: input.maxKeys } : {}) });
    return { keys: result.keys, writes: result.writes, durationMs: result.durationMs, remainingDirty: result.remainingDirty };
  } catch (error) {
    if (isUnreachable(error)) {
      logs.redisUnreachable({ during: "flushNow", error });
      throw new UnavailableError("The progress buffer cannot be reached; try again shortly");
    }
    if (error instanceof FlushLockedError) throw new UnavailableError("A flush is running; try again shortly");
    throw error;
  }
});

/** Quarantined keys replayed per call unless the request says otherwise (API: 1..1,000). */
const REPLAY_QUARANTINE_LIMIT = 100;

export const handleReplayQuarantine = callable({ name: "replayQuarantine", schema: ReplayQuarantineRequest, role: "admin" }, async (input) => {
  const kit = await firestoreKit();
  const result = await replayQuarantine(kit, {
    limit: input.limit ?? REPLAY_QUARANTINE_LIMIT,
    completionThreshold: completionThreshold(),
    complete: (uid, courseId, lectureId, atMs) => completeIfCatalogued(kit, uid, courseId, lectureId, atMs),
  });
  logs.quarantineReplayed(result);
  return result;
});

/**
 * The scheduled coordinator: puts one task per part of every shard on the flush queue. If Upstash or the queue
 * cannot be reached, the run fails and the next one enqueues every part again (each part's task drains every closed
 * window), so no Cloud Scheduler retry is needed (retryCount 0).
 */
export async function runScheduledFlush(scheduleTime?: string): Promise<void> {
  const scheduleTimeMs = Date.parse(scheduleTime ?? "") || Date.now();
  await enqueueFlush(await firestoreKit(), await adminFlushQueue(), allShards(), windowMs, { scheduleTimeMs });
}

/** The worker of one part (progress/flush-tasks.ts); a thrown error makes Cloud Tasks retry the task with backoff. */
export async function runFlushPartition(data: unknown, attempt: number): Promise<void> {
  const parsed = FlushTask.safeParse(data);
  // Cloud Tasks retries any answer but 2xx, and a malformed task cannot become valid: it is logged and acknowledged.
  // Tasks come only from enqueueFlush, so this is a bug or a forged task, never work to keep.
  if (!parsed.success) return logs.flushTaskRefused({ issues: toFieldIssues(parsed.error) });
  try {
    await runFlushTask(await firestoreKit(), await flushDeps(), parsed.data, attempt);
  } catch (error) {
    if (error instanceof FlushLockedError) logs.flushSkipped({ reason: "locked" });
    else if (isUnreachable(error)) logs.redisUnreachable({ during: "flushTask", error });
    throw error;
  }
}

/** The flush's dependencies as production wires them; one call per run, so the catalogues it reads last one run. */
export async function flushDeps(): Promise<FlushDeps> {
  const kit = await firestoreKit();
  const catalogues = new Map<string, Promise<ReadonlySet<string>>>();
  return {
    caches: allShards().map((shard) => upstashBulk(shard)),
    store: firestoreFlushStore(kit),
    windowMs,
    completionThreshold: completionThreshold(),
    catalogue: (courseId) => {
      let catalogue = catalogues.get(courseId);
      if (!catalogue) {
        catalogue = readCatalogue(kit.db, courseId);
        catalogues.set(courseId, catalogue);
        catalogue.catch(() => catalogues.delete(courseId)); // a failed read is retried by the next page
      }
      return catalogue;
    },
    complete: (uid, courseId, lectureId, atMs) =>
      completeIfCatalogued(kit, uid, courseId, lectureId, atMs).catch((error: unknown) => {
        logs.completionFailed({ courseId, lectureId, reason: error instanceof Error ? error.name : "unknown" });
        throw error;
      }),
  };
}

/** A flush of every part in this process (flushNow), reported in `_sync/writeBehind.lastFlush`. */
async function runFlush(options: FlushAllOptions): Promise<FlushRun> {
  const kit = await firestoreKit();
  const result = await flushAll(await flushDeps(), allShards(), options);
  const report = { ...result, trigger: options.trigger ?? "flushNow" };
  await kit.db.doc(WRITE_BEHIND_DOC).set({ lastFlush: { ...report, at: kit.sdk.FieldValue.serverTimestamp() } }, { merge: true });
  logs.flushDone(report);
  return result;
}

/** The degraded ping path: merge into Firestore, then complete what passed the threshold, as the flush would. */
export async function writeDirect(uid: string, courseId: string, buffered: BufferedProgress): Promise<void> {
  const kit = await firestoreKit();
  const completed = await writeBufferedDirect(kit, uid, courseId, buffered, completionThreshold());
  const skipped: { courseId: string; lectureId: string }[] = [];
  for (const lectureId of completed) {
    const atMs = buffered.lectures.get(lectureId)?.positionAtMs ?? Date.now();
    if ((await completeIfCatalogued(kit, uid, courseId, lectureId, atMs)) === "not_found") skipped.push({ courseId, lectureId });
  }
  if (skipped.length) logs.completionsSkipped({ trigger: "ping_degraded", reason: "not_found", count: skipped.length, lectures: skipped });
}

export const saveProgress = onCallable(redisCallableOptions, handleSaveProgress);
export const completeLecture = onCallable(callableOptions, handleCompleteLecture);
export const getProgress = onCallable(redisCallableOptions, handleGetProgress);
export const getCourseProgress = onCallable(callableOptions, handleGetCourseProgress);
export const replayQuarantineCallable = onCallable({ ...adminCallableOptions, timeoutSeconds: 300 }, handleReplayQuarantine);
export const flushNow = onCallable({ ...adminCallableOptions, secrets: REDIS_SECRETS, timeoutSeconds: 300 }, handleFlushNow);

export const flushProgressSchedule = onSchedule(
  // Only enqueues: the parts run on the flushPartition queue. Retries are off because the next run redoes the work.
  { ...scheduleOptions, schedule: FLUSH_SCHEDULE, timeoutSeconds: 120, memory: "256MiB" },
  (event) => runScheduledFlush(event.scheduleTime),
);

/**
 * One part of the flush per task. The queue's concurrency is the flush's parallelism (FLUSH_WORKERS); a part that
 * fails or is locked by a slower worker is retried after 30 s, doubling to 5 minutes, for up to an hour: by then
 * the next windows' tasks have taken over the part anyway. One part per instance: a part is a sequence of big pages.
 */
export const flushPartition = onTaskDispatched(
  {
    region: REGION,
    secrets: REDIS_SECRETS,
    cpu: 1,
    concurrency: 1,
    memory: "512MiB",
    timeoutSeconds: 540,
    maxInstances: FLUSH_WORKERS,
    retryConfig: { maxAttempts: 10, maxRetrySeconds: 3600, minBackoffSeconds: 30, maxBackoffSeconds: 300, maxDoublings: 4 },
    rateLimits: { maxConcurrentDispatches: FLUSH_WORKERS, maxDispatchesPerSecond: 20 },
  },
  async (request) => runFlushPartition(request.data, request.retryCount),
);

export const countLectures = onDocumentWritten(
  // A catalogue edit: rare, and each run is one count query and one write.
  { document: "courses/{courseId}/lectures/{lectureId}", region: REGION, secrets: REDIS_SECRETS, cpu: 1, concurrency: 10, maxInstances: 5, memory: "256MiB", timeoutSeconds: 60 },
  async (event) => {
    const change = event.data;
    if (!change || change.before.exists === change.after.exists) return; // an edit: the count is unchanged
    await refreshCourseTotals(await firestore(), allShards().map((shard) => upstash(shard)), event.params.courseId);
  },
);

export const countQuizzes = onDocumentWritten(
  // A quiz added, removed or moved to another course: recount the courses it was and is in.
  { document: "quizzes/{quizId}", region: REGION, secrets: REDIS_SECRETS, cpu: 1, concurrency: 10, maxInstances: 5, memory: "256MiB", timeoutSeconds: 60 },
  async (event) => {
    const change = event.data;
    if (!change) return;
    const courses = new Set([change.before.get("courseId"), change.after.get("courseId")].filter((id): id is string => typeof id === "string" && ID_PATTERN.test(id)));
    if (change.before.exists && change.after.exists && change.before.get("courseId") === change.after.get("courseId")) return;
    const db = await firestore();
    await Promise.all([...courses].map((courseId) => refreshCourseTotals(db, allShards().map((shard) => upstash(shard)), courseId)));
  },
);
