/** Keeps `courses/{courseId}.totalLectures` equal to the number of lecture documents, and its Redis cache fresh. */
import type { Firestore } from "firebase-admin/firestore";
import { courseKey } from "./layout.js";
import { COURSE_CACHE_TTL_SECONDS, type ProgressReadCache } from "./read.js";
import { coursePath } from "./store.js";

/**
 * Recounts instead of incrementing: triggers are delivered at least once and out of order, and a count query is
 * idempotent where an increment is not (one aggregation read per 1,000 lectures).
 */
export async function refreshTotalLectures(db: Firestore, cache: Pick<ProgressReadCache, "set">, courseId: string): Promise<number> {
  const counted = await db.collection(`${coursePath(courseId)}/lectures`).count().get();
  const totalLectures = counted.data().count;
  await db.doc(coursePath(courseId)).set({ totalLectures }, { merge: true });
  await cache.set(courseKey(courseId), String(totalLectures), { ex: COURSE_CACHE_TTL_SECONDS });
  return totalLectures;
}
