/** Registrations of reconciliation: the admin callable `reconcile` (API.md) and the daily sweep. */
import { onSchedule } from "firebase-functions/scheduler";
import { bigquery } from "../../adapters/bigquery.js";
import { cosmosContainer } from "../../adapters/cosmos.js";
import { firestoreKit } from "../../adapters/firestore.js";
import { mongo } from "../../adapters/mongo.js";
import { callable } from "../../callable.js";
import { BIGQUERY_DATASET, MONGODB_DATABASE, RECONCILE_SWEEP_DAYS, SINK_SECRETS } from "../../config.js";
import { PreconditionFailedError } from "../../errors.js";
import { adminCallableOptions, scheduleOptions } from "../../options.js";
import { MirroredCollection, ReconcileRequest, type ReconcileResponse } from "../../schemas/sync.js";
import { enabledSinks, isMirrored, MIRRORED_DOCUMENTS } from "../functions.js";
import type { SinkName } from "../sinks/sink.js";
import { reconcile, type ReconcileTarget } from "./reconcile.js";
import { sweepStep } from "./sweep.js";
import { countCollections } from "../collection-stats.js";
import { bigqueryReader } from "./readers/bigquery.js";
import { cosmosReader } from "./readers/cosmos.js";
import { mongoReader } from "./readers/mongo.js";
import type { SinkReader } from "./readers/reader.js";
import { onCallable } from "../../on-callable.js";

const READERS: Record<SinkName, SinkReader> = {
  bigquery: bigqueryReader(bigquery, () => BIGQUERY_DATASET.value()),
  mongo: mongoReader(mongo, () => MONGODB_DATABASE.value()),
  cosmos: cosmosReader(cosmosContainer),
};

/** The collection and sink to compare, as deployed: only a mirrored collection and an enabled sink make sense. */
export function reconcileTarget(collection: MirroredCollection, sinkName: SinkName): ReconcileTarget {
  const sink = enabledSinks().find((candidate) => candidate.name === sinkName);
  if (!sink) throw new PreconditionFailedError(`sink ${sinkName} is not enabled`);
  if (!isMirrored(collection)) throw new PreconditionFailedError(`collection ${collection} is not mirrored (MIRROR_COLLECTIONS)`);
  return { collection, pattern: MIRRORED_DOCUMENTS[collection], sink, reader: READERS[sinkName] };
}

export const handleReconcile = callable({ name: "reconcile", schema: ReconcileRequest, role: "admin" }, async (input): Promise<ReconcileResponse> => {
  const report = await reconcile(await firestoreKit(), reconcileTarget(input.collection, input.sink), {
    ...(input.repair !== undefined ? { repair: input.repair } : {}),
    ...(input.limit !== undefined ? { limit: input.limit } : {}),
  });
  return { checked: report.checked, missing: report.missing, stale: report.stale, extra: report.extra, repaired: report.repaired };
});

export const reconcileCallable = onCallable({ ...adminCallableOptions, secrets: SINK_SECRETS, timeoutSeconds: 540, memory: "1GiB" }, handleReconcile);

/**
 * The daily sweep: the next share of every mirrored collection in every enabled sink, checked and repaired
 * (sweep.ts). One pair failing does not stop the others; the run fails afterwards, so that it shows.
 */
export async function reconcileSweep(days = RECONCILE_SWEEP_DAYS.value() || 7): Promise<void> {
  const kit = await firestoreKit();
  const collections = MirroredCollection.options.filter(isMirrored);
  const failures: unknown[] = [];
  for (const sink of enabledSinks()) {
    for (const collection of collections) await sweepStep(kit, reconcileTarget(collection, sink.name), days).catch((error: unknown) => void failures.push(error));
  }
  // Then the counts getSyncStatus shows, once the sweep has repaired what it found.
  await countCollections(kit, collections, enabledSinks().map((sink) => READERS[sink.name])).catch((error: unknown) => void failures.push(error));
  if (failures.length) throw failures[0];
}

export const reconcileDaily = onSchedule(
  { ...scheduleOptions, schedule: "every 24 hours", secrets: SINK_SECRETS, timeoutSeconds: 1_800, memory: "1GiB" },
  () => reconcileSweep(),
);
