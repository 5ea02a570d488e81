/** The Firestore side of progress: where documents live and how merged progress is written. */
import type { Transaction } from "firebase-admin/firestore";
import type { FirestoreKit, FirestoreModule } from "../adapters/firestore.js";
import { ProgressDoc } from "../schemas/progress.js";
import type { BufferedProgress } from "./layout.js";
import { mergeBuffered } from "./merge.js";

export const progressPath = (uid: string, courseId: string) => `users/${uid}/progress/${courseId}`;
export const coursePath = (courseId: string) => `courses/${courseId}`;

export function parseProgressDoc(data: unknown): ProgressDoc {
  return ProgressDoc.parse(data ?? {});
}

/** The document data to write: the merged progress plus the server's update time. */
export function progressData(doc: ProgressDoc, sdk: FirestoreModule): Record<string, unknown> {
  return { ...doc, updatedAt: sdk.FieldValue.serverTimestamp() };
}

/**
 * The degraded ping path: merges buffered progress into the stored document in one transaction
 * (so a concurrent flush or completion is never overwritten). Returns the lectures that became complete.
 */
export async function writeBufferedDirect(
  kit: FirestoreKit,
  uid: string,
  courseId: string,
  buffered: BufferedProgress,
  completionThreshold: number,
): Promise<string[]> {
  const ref = kit.db.doc(progressPath(uid, courseId));
  return kit.db.runTransaction(async (tx: Transaction) => {
    const stored = parseProgressDoc((await tx.get(ref)).data());
    const { doc, newlyCompleted, changed } = mergeBuffered(stored, buffered, completionThreshold);
    if (changed) tx.set(ref, progressData(doc, kit.sdk), { merge: true });
    return newlyCompleted;
  });
}
