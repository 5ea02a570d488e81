/** The flush's Firestore port over firebase-admin: one getAll per page, conditional batched writes. */
import type { Timestamp, WriteBatch } from "firebase-admin/firestore";
import type { FirestoreKit } from "../adapters/firestore.js";
import { StaleWriteError, type FlushStore, type ProgressWrite } from "./flush-ports.js";
import { parseProgressDoc, progressData, progressPath, quarantinePath } from "./store.js";

/** Firestore: 500 writes per batch (the client SDKs' documented limit), 10 MiB per request; keep a margin. */
const MAX_BATCH_WRITES = 500;
const MAX_BATCH_BYTES = 9 * 1024 * 1024;

export function firestoreFlushStore(kit: FirestoreKit): FlushStore {
  const { db, sdk } = kit;
  return {
    async read(refs) {
      if (!refs.length) return [];
      const snapshots = await db.getAll(...refs.map(({ uid, courseId }) => db.doc(progressPath(uid, courseId))));
      return snapshots.map((snapshot) => ({
        doc: parseProgressDoc(snapshot.data()),
        version: snapshot.exists ? snapshot.updateTime : undefined,
      }));
    },
    async write(writes) {
      let commits = 0;
      for (const chunk of chunks(writes)) {
        const batch: WriteBatch = db.batch();
        for (const write of chunk) {
          const ref = db.doc(progressPath(write.uid, write.courseId));
          const data = progressData(write.doc, sdk);
          // Optimistic concurrency: a completion or degraded ping committed since the read fails the batch,
          // and the flush re-reads and re-merges the page.
          if (write.version) batch.update(ref, data, { lastUpdateTime: write.version as Timestamp });
          else batch.create(ref, data);
        }
        await batch.commit().catch((error: unknown) => {
          throw lostRace(error) ? new StaleWriteError("A document changed since the flush read it", { cause: error }) : error;
        });
        commits++;
      }
      return commits;
    },
    async quarantine({ uid, courseId, fields, error, failures }) {
      // Merged: a key quarantined again before a replay adds its newer fields to the ones kept.
      await db.doc(quarantinePath(uid, courseId)).set({ uid, courseId, fields, error, failures, quarantinedAt: sdk.FieldValue.serverTimestamp() }, { merge: true });
    },
  };
}

/** gRPC FAILED_PRECONDITION (an update-time precondition) or ALREADY_EXISTS (a create): another writer came first. */
function lostRace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 9 || code === 6;
}

function* chunks(writes: ProgressWrite[]): Generator<ProgressWrite[]> {
  let chunk: ProgressWrite[] = [];
  let bytes = 0;
  for (const write of writes) {
    const size = JSON.stringify(write.doc).length + 256; // the path and the update time, roughly
    if (chunk.length && (chunk.length >= MAX_BATCH_WRITES || bytes + size > MAX_BATCH_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(write);
    bytes += size;
  }
  if (chunk.length) yield chunk;
}
