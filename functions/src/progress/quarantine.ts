/**
 * replayQuarantine (docs/api.md): writes the fields of keys the flush gave up on (flush-page.ts) into Firestore as the
 * flush would have, and forgets each quarantined key whose write lands. One transaction per key, so a key the flush
 * quarantines again meanwhile is never half-replayed.
 */
import type { FirestoreKit } from "../adapters/firestore.js";
import { QuarantineDoc } from "../schemas/progress.js";
import { readCatalogue } from "./catalogue.js";
import type { CompletionOutcome } from "./complete.js";
import { decodeProgressHash } from "./layout.js";
import { mergeBuffered } from "./merge.js";
import { parseProgressDoc, progressData, progressPath, QUARANTINE_COLLECTION } from "./store.js";

export interface QuarantineReplay {
  replayed: number;
  restored: number;
  failed: number;
}

export interface ReplayOptions {
  limit: number;
  completionThreshold: number;
  complete: (uid: string, courseId: string, lectureId: string, atMs: number) => Promise<CompletionOutcome>;
}

export async function replayQuarantine(kit: FirestoreKit, options: ReplayOptions): Promise<QuarantineReplay> {
  const { db, sdk } = kit;
  const kept = await db.collection(QUARANTINE_COLLECTION).limit(options.limit).get();
  let restored = 0;
  let failed = 0;
  for (const entry of kept.docs) {
    try {
      const { uid, courseId } = QuarantineDoc.parse(entry.data());
      const catalogue = await readCatalogue(db, courseId);
      const ref = db.doc(progressPath(uid, courseId));
      const completions = await db.runTransaction(async (tx) => {
        const [stored, current] = await tx.getAll(ref, entry.ref);
        if (!current?.exists) return []; // another replay restored it
        const buffered = decodeProgressHash(QuarantineDoc.parse(current.data()).fields);
        const merged = mergeBuffered(parseProgressDoc(stored?.data()), buffered, options.completionThreshold, catalogue);
        if (merged.changed) tx.set(ref, progressData(merged.doc, sdk), { merge: true });
        tx.delete(entry.ref);
        return merged.newlyCompleted.map((lectureId) => ({ lectureId, atMs: buffered.lectures.get(lectureId)?.positionAtMs ?? Date.now() }));
      });
      for (const { lectureId, atMs } of completions) await options.complete(uid, courseId, lectureId, atMs);
      restored++;
    } catch (error) {
      failed++;
      const lastReplayError = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      await entry.ref.update({ lastReplayError, lastReplayAt: sdk.FieldValue.serverTimestamp() }).catch(() => undefined);
    }
  }
  return { replayed: kept.size, restored, failed };
}
