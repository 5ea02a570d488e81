/**
 * Document counts per mirrored collection in Firestore and in each sink, taken by the daily reconcile sweep (one
 * aggregate request per collection and store), kept in one document that getSyncStatus reads: a status call never
 * scans. Firestore bills a count as one read per 1,000 index entries.
 */
import type { FirestoreKit } from "../adapters/firestore.js";
import type { SinkName } from "./sinks/sink.js";
import { TOP_LEVEL } from "./collections.js";

export const COLLECTION_STATS_DOC = "_sync/stats";

export type CollectionCounts = { firestore: number } & Partial<Record<SinkName, number>>;

export interface CollectionStats {
  countedAt: string;
  collections: Record<string, CollectionCounts>;
}

export async function countCollections(
  kit: FirestoreKit,
  collections: readonly string[],
  sinks: readonly { name: SinkName; count(collection: string): Promise<number> }[],
  nowMs = Date.now(),
): Promise<CollectionStats> {
  const counted: Record<string, CollectionCounts> = {};
  for (const collection of collections) {
    const query = TOP_LEVEL.has(collection) ? kit.db.collection(collection) : kit.db.collectionGroup(collection);
    const entry: CollectionCounts = { firestore: (await query.count().get()).data().count };
    for (const sink of sinks) entry[sink.name] = await sink.count(collection);
    counted[collection] = entry;
  }
  const stats = { countedAt: new Date(nowMs).toISOString(), collections: counted };
  await kit.db.doc(COLLECTION_STATS_DOC).set(stats);
  return stats;
}

export async function readCollectionStats(kit: FirestoreKit): Promise<CollectionStats | null> {
  const snap = await kit.db.doc(COLLECTION_STATS_DOC).get();
  return snap.exists ? (snap.data() as CollectionStats) : null;
}
