/**
 * The merged read (API.md getProgress): the Firestore document plus the Redis hash, so the answer reflects every
 * acknowledged ping, flushed or not. One Firestore read and one Redis request to the user's shard (one more on a
 * course-cache miss, and one to the user's previous shard while a reshard is in progress).
 * Without Redis it cannot keep that promise (acknowledged pings may wait there unflushed), so it answers
 * `unavailable` rather than an answer from Firestore alone that may silently be older.
 */
import type { Redis } from "@upstash/redis";
import type { Firestore } from "firebase-admin/firestore";
import { hashFromReply, isUnreachable } from "../adapters/upstash.js";
import { NotFoundError, UnavailableError } from "../errors.js";
import * as logs from "../logs.js";
import type { CourseProgressSummary, GetProgressResponse } from "../schemas/progress.js";
import { bufferKey, courseKey, decodeProgressHash, type BufferedProgress } from "./layout.js";
import { mergeBuffered } from "./merge.js";
import { decodeTotals, encodeTotals, totalsOf, type CourseTotals } from "./course-totals.js";
import { courseCompletion } from "./segments.js";
import { coursePath, parseProgressDoc, progressPath } from "./store.js";

export type ProgressReadCache = Pick<Redis, "pipeline" | "set">;

/** The user's shard, and during a reshard the shard that held their buffer before it (progress/shards.ts). */
export interface UserCaches {
  current: ProgressReadCache;
  previous?: ProgressReadCache;
}

/** The course's totals are cached for 24 h (DESIGN.md); the lecture and quiz triggers refresh them on every change. */
export const COURSE_CACHE_TTL_SECONDS = 24 * 3600;

export async function readProgress(db: Firestore, caches: UserCaches, uid: string, courseId: string): Promise<GetProgressResponse> {
  const [snapshot, { buffered, cachedTotals }] = await Promise.all([
    db.doc(progressPath(uid, courseId)).get(),
    readBuffer(caches, uid, courseId),
  ]);
  const totals = cachedTotals ?? (await loadTotals(db, caches.current, courseId));
  // Infinity: reading never completes a lecture; that is the flush's job.
  const { doc } = mergeBuffered(parseProgressDoc(snapshot.data()), buffered, Infinity);
  return {
    courseId,
    watchTimes: doc.watchTimes,
    coverage: doc.coverage,
    completedLectures: doc.completedLectures,
    lastWatchedLecture: doc.lastWatchedLecture,
    completionPercentage: courseCompletion(doc, totals),
    totalLectures: totals.lectures,
    passedQuizzes: doc.passedQuizzes,
    totalQuizzes: totals.quizzes,
  };
}

async function readBuffer(caches: UserCaches, uid: string, courseId: string): Promise<{ buffered: BufferedProgress; cachedTotals?: CourseTotals }> {
  const key = bufferKey(uid, courseId);
  try {
    const [[hash, total], previous] = await Promise.all([
      caches.current.pipeline().hgetall(key).get(courseKey(courseId)).exec() as Promise<[unknown, unknown]>,
      caches.previous?.pipeline().hgetall(key).exec() as Promise<[unknown]> | undefined,
    ]);
    const cachedTotals = decodeTotals(total);
    // Field names carry the window and ping time, so the union of both shards' fields is the user's whole buffer.
    const fields = { ...hashFromReply(previous?.[0]), ...hashFromReply(hash) };
    return { buffered: decodeProgressHash(fields), ...(cachedTotals ? { cachedTotals } : {}) };
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    logs.redisUnreachable({ during: "getProgress", error });
    throw new UnavailableError("Progress cannot be read right now; try again shortly");
  }
}

async function loadTotals(db: Firestore, cache: ProgressReadCache, courseId: string): Promise<CourseTotals> {
  const course = await db.doc(coursePath(courseId)).get();
  if (!course.exists) throw new NotFoundError("No such course");
  const totals = totalsOf(course);
  await cache.set(courseKey(courseId), encodeTotals(totals), { ex: COURSE_CACHE_TTL_SECONDS }).catch(() => undefined);
  return totals;
}

/** Every course the user has progress in (API.md getCourseProgress), from Firestore: one query. */
export async function readCourseProgress(db: Firestore, uid: string): Promise<{ courses: CourseProgressSummary[] }> {
  const snapshot = await db.collection(`users/${uid}/progress`).get();
  return {
    courses: snapshot.docs.map((doc) => {
      const progress = parseProgressDoc(doc.data());
      const updatedAt = doc.get("updatedAt") as { toDate(): Date } | undefined;
      return {
        courseId: doc.id,
        completionPercentage: progress.completionPercentage,
        lastWatchedLecture: progress.lastWatchedLecture,
        updatedAt: updatedAt?.toDate().toISOString() ?? null,
      };
    }),
  };
}
