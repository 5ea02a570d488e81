/**
 * The rotating sweep (docs/operations.md "Reconciliation"): each daily run checks and repairs one share of a
 * collection in one sink, from where the last run of that pair stopped, so that every document is checked within
 * RECONCILE_SWEEP_DAYS and anything the sink missed is repaired then. The cursor per (collection, sink) is a document,
 * so a run that dies goes on from the last cursor it stored.
 */
import type { FirestoreKit } from "../../adapters/firestore.js";
import type { ReconcileReport } from "../../schemas/sync.js";
import { firestorePages } from "../firestore-pages.js";
import { TOP_LEVEL } from "./keys.js";
import { reconcile, type ReconcileTarget } from "./reconcile.js";

export const SWEEP_CURSORS = "_sync/reconcile/cursors";

export interface SweepCursor {
  /** The last document path the sweep checked; null at the start of a pass. */
  after: string | null;
  /** Passes begun over the collection (1 for the first). */
  pass: number;
}

/** One run's share of a collection: its documents ÷ `days`, at least one. */
export async function sweepShare(kit: FirestoreKit, collection: string, days: number): Promise<number> {
  const query = TOP_LEVEL.has(collection) ? kit.db.collection(collection) : kit.db.collectionGroup(collection);
  const total = (await query.count().get()).data().count;
  return Math.max(1, Math.ceil(total / Math.max(1, days)));
}

/** Checks and repairs the next share of `target`'s collection, then moves its cursor on (or round to the start). */
export async function sweepStep(kit: FirestoreKit, target: ReconcileTarget, days: number): Promise<{ report: ReconcileReport; cursor: SweepCursor }> {
  const ref = kit.db.doc(`${SWEEP_CURSORS}/${target.collection}~${target.reader.name}`);
  const stored = (await ref.get()).data() as Partial<SweepCursor> | undefined;
  const cursor: SweepCursor = { after: stored?.after ?? null, pass: stored?.pass ?? 1 };
  const limit = await sweepShare(kit, target.collection, days);
  const report = await reconcile(kit, target, { repair: true, limit, ...(cursor.after ? { range: { after: cursor.after } } : {}) });
  // A share that ends exactly at the last document stops "short" with nothing after it: one read tells.
  const more = report.stoppedAt !== null && (await firestorePages(kit, target.collection, { after: report.stoppedAt }, 1).next()).done === false;
  const next: SweepCursor = more ? { after: report.stoppedAt, pass: cursor.pass } : { after: null, pass: cursor.pass + 1 };
  await ref.set(next);
  return { report, cursor: next };
}
