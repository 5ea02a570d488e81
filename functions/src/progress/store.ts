/** The Firestore side of progress: where documents live and how merged progress is written. */
import type { Transaction } from "firebase-admin/firestore";
import type { FirestoreKit, FirestoreModule } from "../adapters/firestore.js";
import { ProgressDoc } from "../schemas/progress.js";
import type { BufferedProgress } from "./layout.js";
import { mergeBuffered } from "./merge.js";

export const progressPath = (uid: string, courseId: string) => `users/${uid}/progress/${courseId}`;
export const coursePath = (courseId: string) => `courses/${courseId}`;
/** Keys the flush gave up on, with their buffered fields (flush-page.ts, replayQuarantine). */
export const QUARANTINE_COLLECTION = "_sync/writeBehind/quarantine";
export const quarantinePath = (uid: string, courseId: string) => `${QUARANTINE_COLLECTION}/${uid}:${courseId}`;

export function parseProgressDoc(data: unknown): ProgressDoc {
  return ProgressDoc.parse(data ?? {});
}

/** The document data to write: the merged progress plus the server's update time. */
export function progressData(doc: ProgressDoc, sdk: FirestoreModule): Record<string, unknown> {
  return { ...doc, updatedAt: sdk.FieldValue.serverTimestamp() };
}

/**
 * The degraded ping path: merges buffered progress into the stored document in one transaction
 * (so a concurrent flush or completion is never overwritten). Like the flush, it stores only lectures the catalogue
 * has (it reads their documents first). Returns the lectures that became complete.
 */
export async function writeBufferedDirect(
  kit: FirestoreKit,
  uid: string,
  courseId: string,
  buffered: BufferedProgress,
  completionThreshold: number,
): Promise<string[]> {
  const ref = kit.db.doc(progressPath(uid, courseId));
  // Read outside the transaction: the catalogue is not what it guards, and lecture documents read inside it would be
  // locked by every degraded ping of the course at once.
  const lectureIds = [...buffered.lectures.keys()];
  const lectures = lectureIds.length ? await kit.db.getAll(...lectureIds.map((id) => kit.db.doc(`${coursePath(courseId)}/lectures/${id}`))) : [];
  const catalogue = new Set(lectureIds.filter((_, index) => lectures[index]?.exists));
  return kit.db.runTransaction(async (tx: Transaction) => {
    const stored = parseProgressDoc((await tx.get(ref)).data());
    const { doc, newlyCompleted, changed } = mergeBuffered(stored, buffered, completionThreshold, catalogue);
    if (changed) tx.set(ref, progressData(doc, kit.sdk), { merge: true });
    return newlyCompleted;
  });
}
