/**
 * Arrangements shared by the progress tests: a course of their own, pings buffered in a window that has closed, and
 * flushes that wait their turn for the lock.
 */
import { firestore } from "../../src/adapters/firestore.js";
import { writeDirect } from "../../src/progress/functions.js";
import { recordPing } from "../../src/progress/ping.js";
import { windowOf } from "../../src/progress/window.js";
import type { SaveProgressRequest } from "../../src/schemas/progress.js";
import { stackRedis } from "./counting.js";
import { FlushLockedError, flushProgress, type FlushOptions } from "../../src/progress/flush.js";
import type { FlushDeps } from "../../src/progress/flush-ports.js";
import type { FlushRun } from "../../src/schemas/progress.js";
import { uniqueId } from "./stack.js";

/** Creates `courses/{id}` with `lectures` lecture documents; returns the ids. */
export async function createCourse(lectures = 3): Promise<{ courseId: string; lectureIds: string[] }> {
  const db = await firestore();
  const courseId = uniqueId("course");
  const lectureIds = Array.from({ length: lectures }, (_, i) => `${courseId}-l${i + 1}`);
  const batch = db.batch();
  batch.set(db.doc(`courses/${courseId}`), { title: courseId, totalLectures: lectures });
  lectureIds.forEach((id, i) => batch.set(db.doc(`courses/${courseId}/lectures/${id}`), { title: id, durationSec: 100, order: i }));
  await batch.commit();
  return { courseId, lectureIds };
}

/** The flush window of these tests (the product's default schedule, every 5 minutes). */
export const FIVE_MIN = 300_000;

/**
 * Buffers `ping` for `uid` as saveProgress does, pinged `atMs` into a window that closed 10+ minutes ago (so any flush
 * drains it); answers the window.
 */
export async function pingInClosedWindow(uid: string, ping: SaveProgressRequest, atMs = 1_000): Promise<number> {
  const window = windowOf(Date.now(), FIVE_MIN) - 2;
  await recordPing({ cache: stackRedis(), writeDirect, windowMs: FIVE_MIN, now: () => window * FIVE_MIN + atMs }, uid, ping);
  return window;
}

/** Flushes, waiting while another test's flush holds the lock (tests run in parallel against one Redis). */
export async function flushWhenFree(deps: FlushDeps, options: FlushOptions = {}): Promise<FlushRun> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await flushProgress(deps, options);
    } catch (error) {
      if (!(error instanceof FlushLockedError) || attempt > 400) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
