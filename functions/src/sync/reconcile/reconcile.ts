/**
 * Reconciliation of one mirrored collection with one sink (DESIGN principle 6: it finds and repairs whatever the
 * triggers and the dead-letter replay still missed). Firestore is read in key order a page at a time; each page's
 * copies in the sink are read in one request and compared by version and content hash. Then the sink's own live
 * keys in the range Firestore covered are paged, and a key Firestore did not show is confirmed absent with one
 * `getAll` before it counts as extra (the sink's key order is not always Firestore's, so the set of seen keys alone
 * would misjudge the range's edges).
 */
import { createHash, randomInt } from "node:crypto";
import type { QueryDocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import type { FirestoreKit } from "../../adapters/firestore.js";
import * as logs from "../../logs.js";
import type { ReconcileReport } from "../../schemas/sync.js";
import { buildEnvelope, versionOf, type ChangeEnvelope } from "../envelope.js";
import type { Sink } from "../sinks/sink.js";
import { contentHash, verdictOf } from "./compare.js";
import { firestorePages } from "../firestore-pages.js";
import { pathParamsOf, TOP_LEVEL } from "./keys.js";
import type { KeyRange, LiveDoc, SinkReader } from "./readers/reader.js";

export interface ReconcileTarget {
  collection: ReconcileReport["collection"];
  /** The trigger's document pattern (`users/{uid}/progress/{courseId}`): path params of repairs. */
  pattern: string;
  sink: Sink;
  reader: SinkReader;
}

export interface ReconcileOptions {
  /** Re-send the Firestore version of every divergent document, and tombstone the extras. @default false */
  repair?: boolean;
  /** Firestore documents checked at most. @default 10_000 */
  limit?: number;
  /** A sample from a random key (wrapping round): a fraction of the collection (≤ 1) or a count. */
  sample?: number;
  /** Only this range of document paths (tests, or an operator narrowing a run). */
  range?: KeyRange;
  /** Called after each Firestore page with the counts so far. */
  onProgress?: (report: ReconcileReport) => void;
}

export const DEFAULT_LIMIT = 10_000;
/** Deliveries of a repair in flight at once: the Mongo pool is 5 connections, Cosmos throttles bursts. */
const REPAIR_CONCURRENCY = 20;
/** Document paths of each kind kept in the report. */
const EXAMPLES = 20;

export async function reconcile(kit: FirestoreKit, target: ReconcileTarget, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const started = new Date();
  const report = emptyReport(target, options, started);
  let remaining = await limitOf(kit, target.collection, options);
  for (const range of rangesOf(target.collection, options)) {
    remaining -= await reconcileRange(kit, target, range, remaining, report, options);
    if (remaining <= 0) break;
  }
  report.durationMs = Date.now() - started.getTime();
  await kit.db.doc(`_sync/reconcile/runs/${report.runId}`).set(report);
  logs.reconcileDone(report);
  return report;
}

/** Checks one key range; answers the documents checked. */
async function reconcileRange(kit: FirestoreKit, target: ReconcileTarget, range: KeyRange, limit: number, report: ReconcileReport, options: ReconcileOptions): Promise<number> {
  const { collection, reader } = target;
  const seen = new Set<string>();
  let checked = 0;
  let last: string | undefined;
  for await (const page of firestorePages(kit, collection, range, limit)) {
    const envelopes = page.flatMap((snapshot) => envelopeOf(target, snapshot, report.runId) ?? []);
    const held = await reader.read(collection, envelopes);
    const repairs: ChangeEnvelope[] = [];
    for (const envelope of envelopes) {
      const expected = reader.expected(envelope);
      if (!expected) continue;
      const verdict = verdictOf({ path: envelope.documentPath, version: envelope.version, hash: contentHash(expected) }, held.get(envelope.documentPath));
      report.checked++;
      if (verdict === "ok") continue;
      count(report, verdict, envelope.documentPath);
      repairs.push(envelope);
    }
    for (const snapshot of page) seen.add(snapshot.ref.path);
    checked += page.length;
    last = page.at(-1)?.ref.path;
    if (options.repair) await deliverAll(target.sink, repairs, report);
    options.onProgress?.(report);
  }
  // Where the limit cut the pass short, only the range Firestore actually covered is checked for extras.
  const cut = checked >= limit && last !== undefined;
  if (cut) report.stoppedAt = last ?? null;
  const covered: KeyRange = { ...range, ...(cut ? { upTo: last } : {}) };
  for await (const live of reader.live(collection, covered)) {
    const extras = await absentFromFirestore(kit, live.filter((doc) => !seen.has(doc.path) && pathParamsOf(target.pattern, doc.path)));
    for (const { doc } of extras) count(report, "extra", doc.path);
    if (options.repair) await deliverAll(target.sink, extras.map(({ doc, absentAt }) => tombstoneOf(target, doc, absentAt, report.runId)), report);
  }
  return checked;
}

/** The candidates Firestore does not hold, each with the time (Firestore's own) at which it read them absent. */
async function absentFromFirestore(kit: FirestoreKit, candidates: LiveDoc[]): Promise<{ doc: LiveDoc; absentAt: Timestamp }[]> {
  if (!candidates.length) return [];
  const snapshots = await kit.db.getAll(...candidates.map((doc) => kit.db.doc(doc.path)));
  return candidates.flatMap((doc, index) => {
    const snapshot = snapshots[index];
    return snapshot && !snapshot.exists ? [{ doc, absentAt: snapshot.readTime }] : [];
  });
}

/** The document as the sink should have it: an IMPORT of its current data at its update time. */
function envelopeOf(target: ReconcileTarget, snapshot: QueryDocumentSnapshot, runId: string): ChangeEnvelope | undefined {
  const path = snapshot.ref.path;
  const pathParams = pathParamsOf(target.pattern, path);
  // A collection group also finds same-named collections elsewhere (courses/x/progress/y): not mirrored.
  if (!pathParams) return undefined;
  return buildEnvelope({
    eventId: repairEventId(runId, path),
    // The repair's event time: BigQuery's latest view breaks a version tie by it, so the repair's row wins.
    eventTime: new Date().toISOString(),
    documentPath: path,
    pathParams,
    before: { exists: false },
    after: { exists: true, data: snapshot.data(), updateTime: snapshot.updateTime },
    operation: "IMPORT",
  });
}

/**
 * A tombstone for a document the sink holds and Firestore does not, versioned at the time Firestore read it absent
 * (its own clock, not the operator's: a document created again afterwards has a later update time and wins) — or at
 * the sink's own version if that is later, which the repair's equal-version overwrite then replaces.
 */
function tombstoneOf(target: ReconcileTarget, doc: LiveDoc, absentAt: Timestamp, runId: string): ChangeEnvelope {
  const tombstone = buildEnvelope({
    eventId: repairEventId(runId, doc.path),
    eventTime: absentAt.toDate().toISOString(),
    documentPath: doc.path,
    pathParams: pathParamsOf(target.pattern, doc.path) ?? {},
    before: { exists: true, data: doc.before },
    after: { exists: false },
  });
  return doc.version > tombstone.version ? { ...tombstone, version: doc.version } : tombstone;
}

/** One event id per run and document: BigQuery drops a second row with the same insertId. */
const repairEventId = (runId: string, path: string) => `reconcile-${runId}-${createHash("sha256").update(path).digest("hex").slice(0, 20)}`;

async function deliverAll(sink: Sink, envelopes: ChangeEnvelope[], report: ReconcileReport): Promise<void> {
  for (let start = 0; start < envelopes.length; start += REPAIR_CONCURRENCY) {
    const outcomes = await Promise.all(envelopes.slice(start, start + REPAIR_CONCURRENCY).map((envelope) => sink.deliver(envelope, { repair: true })));
    for (const outcome of outcomes) {
      if ("applied" in outcome) report.repaired++;
      else if ("failed" in outcome) report.repairFailed++;
      else report.repairSkipped++; // a newer version arrived meanwhile, or the sink does not map the document
    }
  }
}

function count(report: ReconcileReport, kind: "missing" | "stale" | "changed" | "extra", path: string): void {
  if (kind === "changed") report.stale++;
  report[kind]++;
  if (report.examples[kind].length < EXAMPLES) report.examples[kind].push(path);
}

function emptyReport(target: ReconcileTarget, options: ReconcileOptions, started: Date): ReconcileReport {
  const stamp = versionOf(started).replace(/[-:.]/g, "");
  return {
    runId: `${stamp}-${target.collection}-${target.reader.name}-${randomInt(36 ** 4).toString(36).padStart(4, "0")}`,
    collection: target.collection,
    sink: target.reader.name,
    repair: options.repair === true,
    sampled: options.sample !== undefined,
    checked: 0,
    missing: 0,
    stale: 0,
    changed: 0,
    extra: 0,
    repaired: 0,
    repairFailed: 0,
    repairSkipped: 0,
    stoppedAt: null,
    startedAt: started.toISOString(),
    durationMs: 0,
    examples: { missing: [], stale: [], changed: [], extra: [] },
  };
}

async function limitOf(kit: FirestoreKit, collection: string, options: ReconcileOptions): Promise<number> {
  if (options.sample === undefined) return options.limit ?? DEFAULT_LIMIT;
  if (options.sample > 1) return Math.floor(options.sample);
  const query = TOP_LEVEL.has(collection) ? kit.db.collection(collection) : kit.db.collectionGroup(collection);
  const total = (await query.count().get()).data().count;
  return Math.max(1, Math.ceil(total * options.sample));
}

const KEY_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The ranges to check: the given one, or for a sample from a random key to the end and then round to it. */
function rangesOf(collection: string, options: ReconcileOptions): KeyRange[] {
  if (options.sample === undefined) return [options.range ?? {}];
  const key = Array.from({ length: 4 }, () => KEY_ALPHABET[randomInt(KEY_ALPHABET.length)]).join("");
  const start = TOP_LEVEL.has(collection) ? `${collection}/${key}` : `users/${key}`;
  return [{ after: start }, { upTo: start }];
}
