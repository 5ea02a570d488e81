/** Registrations of the progress capability's functions (API.md "Progress"). */
import { onDocumentWritten } from "firebase-functions/firestore";
import { onSchedule } from "firebase-functions/scheduler";
import { firestore, firestoreKit } from "../adapters/firestore.js";
import type { Redis } from "@upstash/redis";
import { coalescingHset, isUnreachable, upstash, upstashBulk, upstashForHset } from "../adapters/upstash.js";
import { callable } from "../callable.js";
import { completionThreshold, FLUSH_SCHEDULE, REDIS_SECRETS, REGION } from "../config.js";
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
import { readCatalogue, refreshTotalLectures } from "./catalogue.js";
import { completeIfCatalogued, recordLectureCompletion } from "./complete.js";
import { FlushLockedError, flushProgress, type FlushOptions } from "./flush.js";
import type { FlushDeps } from "./flush-ports.js";
import { firestoreFlushStore } from "./flush-store.js";
import type { BufferedProgress } from "./layout.js";
import { recordPing, type PingCache } from "./ping.js";
import { replayQuarantine } from "./quarantine.js";
import { readCourseProgress, readProgress } from "./read.js";
import { writeBufferedDirect } from "./store.js";
import { windowMsOfSchedule } from "./window.js";
import { onCallable } from "../on-callable.js";

const windowMs = windowMsOfSchedule(FLUSH_SCHEDULE);

let pingCache: PingCache | undefined;

/** The ping's Upstash port: the HSETs of concurrent pings coalesced, on a client that never retries them. */
export function pingCacheOf(client: Redis, hsetClient: Redis): PingCache {
  const hset = coalescingHset(hsetClient);
  return { hset, hdel: (...args) => client.hdel(...args), pipeline: () => client.pipeline() };
}

export const handleSaveProgress = callable({ name: "saveProgress", schema: SaveProgressRequest, rateLimit: RATE_LIMITS.saveProgress }, async (ping, caller) => {
  await recordPing({ cache: (pingCache ??= pingCacheOf(upstash(), upstashForHset())), writeDirect, windowMs }, caller.uid, ping);
  return { message: "synced" as const };
});

export const handleCompleteLecture = callable({ name: "completeLecture", schema: CompleteLectureRequest, rateLimit: RATE_LIMITS.completeLecture }, async (input, caller) =>
  recordLectureCompletion(await firestoreKit(), caller.uid, input.courseId, input.lectureId),
);

export const handleGetProgress = callable({ name: "getProgress", schema: GetProgressRequest }, async (input, caller) =>
  readProgress(await firestore(), upstash(), caller.uid, input.courseId),
);

export const handleGetCourseProgress = callable({ name: "getCourseProgress", schema: GetCourseProgressRequest }, async (_input, caller) =>
  readCourseProgress(await firestore(), caller.uid),
);

/** How long flushNow waits for a running flush to finish before answering `unavailable`. */
const FLUSH_NOW_WAIT_MS = 60_000;

export const handleFlushNow = callable({ name: "flushNow", schema: FlushNowRequest, admin: true }, async (input) => {
  const deadline = Date.now() + FLUSH_NOW_WAIT_MS;
  for (;;) {
    try {
      const result = await runFlush({ includeOpen: true, trigger: "flushNow", ...(input.maxKeys ? { maxKeys: input.maxKeys } : {}) });
      return { keys: result.keys, writes: result.writes, durationMs: result.durationMs, remainingDirty: result.remainingDirty };
    } catch (error) {
      if (isUnreachable(error)) {
        logs.redisUnreachable({ during: "flushNow", error });
        throw new UnavailableError("The progress buffer cannot be reached; try again shortly");
      }
      if (!(error instanceof FlushLockedError)) throw error;
      if (Date.now() > deadline) throw new UnavailableError("A flush is running; try again shortly");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
});

/** Quarantined keys replayed per call unless the request says otherwise (API: 1..1,000). */
const REPLAY_QUARANTINE_LIMIT = 100;

export const handleReplayQuarantine = callable({ name: "replayQuarantine", schema: ReplayQuarantineRequest, admin: true }, async (input) => {
  const kit = await firestoreKit();
  const result = await replayQuarantine(kit, {
    limit: input.limit ?? REPLAY_QUARANTINE_LIMIT,
    completionThreshold: completionThreshold(),
    complete: (uid, courseId, lectureId, atMs) => completeIfCatalogued(kit, uid, courseId, lectureId, atMs),
  });
  logs.quarantineReplayed(result);
  return result;
});

export async function runScheduledFlush(): Promise<void> {
  try {
    await runFlush({ trigger: "schedule" });
  } catch (error) {
    // Both leave the dirty marks in place for the next run: no Cloud Scheduler retry is needed (retryCount 0).
    if (error instanceof FlushLockedError) return logs.flushSkipped({ reason: "locked" });
    if (isUnreachable(error)) return logs.redisUnreachable({ during: "schedule", error });
    throw error;
  }
}

/** The flush's dependencies as production wires them; one call per run, so the catalogues it reads last one run. */
export async function flushDeps(): Promise<FlushDeps> {
  const kit = await firestoreKit();
  const catalogues = new Map<string, Promise<ReadonlySet<string>>>();
  return {
    cache: upstashBulk(),
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

async function runFlush(options: FlushOptions): Promise<FlushRun> {
  const kit = await firestoreKit();
  const result = await flushProgress(await flushDeps(), options);
  const report = { ...result, trigger: options.trigger ?? "schedule" };
  await kit.db.doc("_sync/writeBehind").set({ lastFlush: { ...report, at: kit.sdk.FieldValue.serverTimestamp() } }, { merge: true });
  logs.flushDone(report);
  return result;
}

/** The degraded ping path: merge into Firestore, then complete what passed the threshold, as the flush would. */
export async function writeDirect(uid: string, courseId: string, buffered: BufferedProgress, unmarkedWindow?: number): Promise<void> {
  const kit = await firestoreKit();
  const completed = await writeBufferedDirect(kit, uid, courseId, buffered, completionThreshold(), unmarkedWindow);
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
  // One run at a time is the lock's job; Cloud Scheduler retries are off because the next run redoes the work.
  { ...scheduleOptions, schedule: FLUSH_SCHEDULE, secrets: REDIS_SECRETS, timeoutSeconds: 540, memory: "512MiB" },
  runScheduledFlush,
);

export const countLectures = onDocumentWritten(
  // A catalogue edit: rare, and each run is one count query and one write.
  { document: "courses/{courseId}/lectures/{lectureId}", region: REGION, secrets: REDIS_SECRETS, cpu: 1, concurrency: 10, maxInstances: 5, memory: "256MiB", timeoutSeconds: 60 },
  async (event) => {
    const change = event.data;
    if (!change || change.before.exists === change.after.exists) return; // an edit: the count is unchanged
    await refreshTotalLectures(await firestore(), upstash(), event.params.courseId);
  },
);
