/** The course catalogue as the progress code needs it: the lecture and quiz counts (and their cache), and the lectures' ids. */
import type { Firestore } from "firebase-admin/firestore";
import * as logs from "../logs.js";
import { encodeTotals, type CourseTotals } from "./course-totals.js";
import { courseKey } from "./layout.js";
import { COURSE_CACHE_TTL_SECONDS, type ProgressReadCache } from "./read.js";
import { coursePath } from "./store.js";

/**
 * Recounts a course's lectures and quizzes instead of incrementing: triggers are delivered at least once and out of
 * order, and a count query is idempotent where an increment is not (one aggregation read per 1,000 documents).
 */
export async function refreshCourseTotals(db: Firestore, caches: readonly Pick<ProgressReadCache, "set">[], courseId: string): Promise<CourseTotals> {
  const [lectures, quizzes] = await Promise.all([
    db.collection(`${coursePath(courseId)}/lectures`).count().get(),
    db.collection("quizzes").where("courseId", "==", courseId).count().get(),
  ]);
  const totals = { lectures: lectures.data().count, quizzes: quizzes.data().count };
  if (totals.lectures > MAX_LECTURES_PER_COURSE) logs.courseTooLarge({ courseId, lectures: totals.lectures, max: MAX_LECTURES_PER_COURSE });
  await db.doc(coursePath(courseId)).set({ totalLectures: totals.lectures, totalQuizzes: totals.quizzes }, { merge: true });
  // Every shard keeps its own copy, so that getProgress reads it in the same request as the user's buffer.
  await Promise.all(caches.map((cache) => cache.set(courseKey(courseId), encodeTotals(totals), { ex: COURSE_CACHE_TTL_SECONDS })));
  return totals;
}

/**
 * The largest course LearnPulse supports, in lectures: the bound on a progress document (docs/architecture.md,
 * "Bounded progress documents") holds up to this many. The catalogue is written by operators, not clients.
 */
export const MAX_LECTURES_PER_COURSE = 200;

/** The ids of a course's lectures; empty when the course has none or does not exist. Reads one document per lecture. */
export async function readCatalogue(db: Firestore, courseId: string): Promise<ReadonlySet<string>> {
  const lectures = await db.collection(`${coursePath(courseId)}/lectures`).select().get();
  return new Set(lectures.docs.map((lecture) => lecture.id));
}
