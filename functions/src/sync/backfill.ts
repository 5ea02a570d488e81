/**
 * Backfilling a sink from Firestore (`npm run backfill:sinks`): every existing document of a collection is sent as
 * an IMPORT change — a row in BigQuery, a versioned upsert in MongoDB and Cosmos (the version guards make a re-run
 * or an overlap with live triggers harmless). Pages by document path with a cursor, never an offset, so a run can
 * resume after the last page it finished.
 */
import type { FirestoreKit } from "../adapters/firestore.js";
import { derivedId } from "../ids.js";
import { MIRRORED_DOCUMENTS, pathParamsOf, type MirroredCollection } from "./collections.js";
import { buildEnvelope } from "./envelope.js";
import { firestorePages } from "./firestore-pages.js";
import type { Sink } from "./sinks/sink.js";

export const BACKFILL_PAGE_SIZE = 500;
/** Deliveries in flight at once: enough to hide round trips, few enough not to throttle a sink. */
const CONCURRENCY = 20;

export interface BackfillProgress {
  sent: number;
  applied: number;
  skipped: number;
  failed: number;
  /** The last document path done: where a resumed run starts after. */
  lastPath: string | null;
}

export interface BackfillOptions {
  collection: MirroredCollection;
  sink: Sink;
  /** Resume after this document path. */
  after?: string | null;
  pageSize?: number;
  /** Called after each page (checkpoint and progress output). */
  onPage?: (progress: BackfillProgress) => Promise<void> | void;
  nowMs?: () => number;
}

export async function backfillSink(kit: FirestoreKit, options: BackfillOptions): Promise<BackfillProgress> {
  const progress: BackfillProgress = { sent: 0, applied: 0, skipped: 0, failed: 0, lastPath: options.after ?? null };
  const now = options.nowMs ?? Date.now;
  const range = progress.lastPath ? { after: progress.lastPath } : {};
  for await (const page of firestorePages(kit, options.collection, range, Infinity, options.pageSize ?? BACKFILL_PAGE_SIZE)) {
    await inParallel(page, CONCURRENCY, async (snapshot) => {
      const envelope = buildEnvelope({
        // One id per (document, version): re-sending the same import is the same BigQuery insertId.
        eventId: derivedId("import", snapshot.ref.path, snapshot.updateTime?.toMillis().toString() ?? ""),
        eventTime: new Date(now()).toISOString(),
        documentPath: snapshot.ref.path,
        pathParams: pathParamsOf(MIRRORED_DOCUMENTS[options.collection], snapshot.ref.path) ?? {},
        before: { exists: false },
        after: { exists: true, data: snapshot.data(), ...(snapshot.updateTime ? { updateTime: snapshot.updateTime } : {}) },
        operation: "IMPORT",
      });
      const outcome = await options.sink.deliver(envelope);
      progress.sent++;
      if ("applied" in outcome) progress.applied++;
      else if ("skipped" in outcome) progress.skipped++;
      else progress.failed++;
    });
    progress.lastPath = page.at(-1)?.ref.path ?? progress.lastPath;
    await options.onPage?.({ ...progress });
  }
  return progress;
}

async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}
