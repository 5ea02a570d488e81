/** The student's denormalised stats: one document read, whatever the history (API.md getStudentStats). */
import type { Firestore } from "firebase-admin/firestore";
import { UserDoc, type StudentStats } from "../schemas/user.js";
import { toStudentStats } from "./student-stats.js";

export type UserReader = Pick<Firestore, "doc">;

export async function readStudentStats(db: UserReader, uid: string, nowMs = Date.now()): Promise<StudentStats> {
  const snapshot = await db.doc(`users/${uid}`).get();
  return toStudentStats(UserDoc.parse(snapshot.data() ?? {}), nowMs);
}
