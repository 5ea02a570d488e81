/**
 * Completing a lecture (API.md completeLecture), in one Firestore transaction: the course's completed lectures and
 * percentage, the user's completed count, the heat-map day and the streak. Idempotent: a second completion of the
 * same lecture changes nothing. The flush completes lectures through this same function.
 */
import { readActiveDay } from "../activity/active-day.js";
import type { FirestoreKit } from "../adapters/firestore.js";
import { NotFoundError } from "../errors.js";
import { UserDoc } from "../schemas/user.js";
import { totalsOf } from "./course-totals.js";
import { courseCompletion } from "./segments.js";
import { coursePath, parseProgressDoc, progressData, progressPath } from "./store.js";

export interface CompleteLectureResult {
  message: "completed";
  completionPercentage: number;
  currentStreak: number;
}

/** What a completion by the flush or a degraded ping came to: a lecture not in the catalogue is an outcome, not a failure. */
export type CompletionOutcome = "completed" | "not_found";

/**
 * Completes a lecture as completeLecture does, for the flush and the degraded ping, on the day of `atMs` (the ping
 * that crossed the threshold, not the flush that found it) in the user's time zone. Pings are buffered without
 * reading the catalogue (a ping costs one Redis command); the flush keeps only catalogued lectures, but a lecture
 * removed since is found missing here, and retrying would find it missing again. Other failures (contention, an
 * outage) are thrown, to be retried.
 */
export async function completeIfCatalogued(
  kit: FirestoreKit,
  uid: string,
  courseId: string,
  lectureId: string,
  atMs: number = Date.now(),
): Promise<CompletionOutcome> {
  try {
    await recordLectureCompletion(kit, uid, courseId, lectureId, atMs);
    return "completed";
  } catch (error) {
    if (error instanceof NotFoundError) return "not_found";
    throw error;
  }
}

export async function recordLectureCompletion(
  kit: FirestoreKit,
  uid: string,
  courseId: string,
  lectureId: string,
  nowMs: number = Date.now(),
): Promise<CompleteLectureResult> {
  const { db, sdk } = kit;
  const refs = {
    course: db.doc(coursePath(courseId)),
    lecture: db.doc(`${coursePath(courseId)}/lectures/${lectureId}`),
    progress: db.doc(progressPath(uid, courseId)),
    user: db.doc(`users/${uid}`),
  };
  return db.runTransaction(async (tx) => {
    const [course, lecture, progressSnap, userSnap] = await tx.getAll(refs.course, refs.lecture, refs.progress, refs.user);
    if (!course?.exists) throw new NotFoundError("No such course");
    if (!lecture?.exists) throw new NotFoundError("No such lecture");
    const progress = parseProgressDoc(progressSnap?.data());
    const user = UserDoc.parse(userSnap?.data() ?? {});
    if (progress.completedLectures.includes(lectureId)) {
      return { message: "completed", completionPercentage: progress.completionPercentage, currentStreak: user.currentStreak ?? 0 };
    }

    const day = await readActiveDay(kit, tx, uid, user, nowMs);
    const completedLectures = [...progress.completedLectures, lectureId];
    const percentage = courseCompletion({ ...progress, completedLectures }, totalsOf(course));
    const streak = day.streak;

    tx.set(refs.progress, progressData({ ...progress, completedLectures, completionPercentage: percentage }, sdk), { merge: true });
    tx.set(refs.user, { ...streak, totalCompletedLectures: (user.totalCompletedLectures ?? 0) + 1 }, { merge: true });
    day.writeDay(tx);
    return { message: "completed", completionPercentage: percentage, currentStreak: streak.currentStreak };
  });
}
