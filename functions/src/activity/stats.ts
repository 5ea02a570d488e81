/** The student's denormalised stats: one document read, whatever the history (API.md getStudentStats). */
import type { Firestore } from "firebase-admin/firestore";
import { UserDoc, type StudentStats } from "../schemas/user.js";

export type UserReader = Pick<Firestore, "doc">;

export async function readStudentStats(db: UserReader, uid: string): Promise<StudentStats> {
  const snapshot = await db.doc(`users/${uid}`).get();
  return toStudentStats(UserDoc.parse(snapshot.data() ?? {}));
}

/** A user without a document, or without some counters yet, has zeros and no active date. */
export function toStudentStats(user: UserDoc): StudentStats {
  return {
    currentStreak: user.currentStreak ?? 0,
    longestStreak: user.longestStreak ?? 0,
    lastActiveDate: user.lastActiveDate ?? null,
    totalCompletedLectures: user.totalCompletedLectures ?? 0,
    totalActiveDays: user.totalActiveDays ?? 0,
  };
}
