/**
 * Arrangements shared by the progress tests: a course of their own, pings buffered in a window that has closed, and
 * flushes that wait their turn for the parts' locks.
 */
import { firestore } from "../../src/adapters/firestore.js";
import { writeDirect } from "../../src/progress/functions.js";
import { recordPing } from "../../src/progress/ping.js";
import { partitionOf } from "../../src/progress/layout.js";
import { windowOf } from "../../src/progress/window.js";
import type { SaveProgressRequest } from "../../src/schemas/progress.js";
import { userRedis } from "./counting.js";
import { flushAll, type FlushAllOptions } from "../../src/progress/flush.js";
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
  await recordPing({ cache: userRedis(uid), writeDirect, windowMs: FIVE_MIN, now: () => window * FIVE_MIN + atMs }, uid, ping);
  return window;
}

/** Flushes every part of every shard the deps hold, waiting for parts another test's flush holds (one Redis serves all). */
export async function flushWhenFree(deps: FlushDeps, options: FlushAllOptions = {}): Promise<FlushRun> {
  return flushAll(deps, deps.caches.map((_, shard) => shard), { lockWaitMs: 20_000, ...options });
}

/** `count` new uids whose keys share one part of the buffer (so that their keys meet in one page of one worker). */
export function uidsInOnePart(count: number, prefix = "stu"): string[] {
  const first = uniqueId(prefix);
  const uids = [first];
  while (uids.length < count) {
    const uid = uniqueId(prefix);
    if (partitionOf(uid) === partitionOf(first)) uids.push(uid);
  }
  return uids;
}
