/** Registrations of the sync capability: a change trigger per mirrored collection, a delivery queue per sink, the operators' callables. */
import { onDocumentWritten, type Change, type DocumentSnapshot, type FirestoreEvent } from "firebase-functions/firestore";
import { HttpsError } from "firebase-functions/https";
import { onTaskDispatched } from "firebase-functions/tasks";
import type { Expression } from "firebase-functions/params";
import { bigquery } from "../adapters/bigquery.js";
import { cosmosContainer } from "../adapters/cosmos.js";
import { firestoreKit } from "../adapters/firestore.js";
import { upstash } from "../adapters/upstash.js";
import { mongo } from "../adapters/mongo.js";
import { callable } from "../callable.js";
import {
  BIGQUERY_DATASET,
  MIRROR_COLLECTIONS,
  MONGODB_DATABASE,
  SINK_BIGQUERY_ENABLED,
  SINK_COSMOS_ENABLED,
  SINK_MONGO_ENABLED,
  FLUSH_SCHEDULE,
  REDIS_SECRETS,
  SINK_SECRETS,
  COSMOS_DELIVERIES_PER_SECOND,
  COSMOS_KEY,
  MONGODB_URI,
  migrationPhase,
} from "../config.js";
import { allShards } from "../progress/shards.js";
import { windowMsOfSchedule } from "../progress/window.js";
import * as logs from "../logs.js";
import { adminCallableOptions, DELIVERY_MAX_INSTANCES, deliveryTaskOptions, mirrorTriggerOptions } from "../options.js";
import { MONGO_POOL_SIZE } from "../adapters/mongo.js";
import { toFieldIssues } from "../validation.js";
import { GetSyncStatusRequest, ReplayDeadLettersRequest } from "../schemas/sync.js";
import { replayDeadLetters } from "./dead-letters.js";
import { adminDeliveryQueues, DELIVERY_RETRY, DeliveryFailed, DeliveryTask, deliverTask, enqueueDeliveries, type DeliveryQueues } from "./delivery-tasks.js";
import { MIRRORED_DOCUMENTS } from "./collections.js";
import { buildEnvelope } from "./envelope.js";
import { SinkStatus } from "./sink-status.js";
import { readSyncStatus } from "./status.js";
import { bigquerySink } from "./sinks/bigquery.js";
import { cosmosSink } from "./sinks/cosmos.js";
import { mongoSink } from "./sinks/mongo.js";
import { SINK_NAMES, type Sink, type SinkName } from "./sinks/sink.js";
import { onCallable } from "../on-callable.js";

export { MIRRORED_DOCUMENTS };

// One constant per sink, so that each delivery function reaches (and is bound to) only its own sink's secret.
const BIGQUERY = bigquerySink(bigquery, () => BIGQUERY_DATASET.value());
const MONGO = mongoSink(mongo, () => MONGODB_DATABASE.value());
const COSMOS = cosmosSink(cosmosContainer);
const SINKS = { bigquery: BIGQUERY, mongo: MONGO, cosmos: COSMOS };

/** Which sinks run: their params, and for Cosmos the migration phase (retired: no Cosmos write at all). */
export function sinkEnabled(name: Sink["name"]): boolean {
  if (name === "bigquery") return SINK_BIGQUERY_ENABLED.value();
  if (name === "mongo") return SINK_MONGO_ENABLED.value();
  return SINK_COSMOS_ENABLED.value() && migrationPhase() !== "cosmos_retired";
}

/** A sink by name, switched on or not (tools that target one sink explicitly). */
export function sinkNamed(name: Sink["name"]): Sink {
  return SINKS[name];
}

/** The sinks switched on. */
export function enabledSinks(): Sink[] {
  return Object.values(SINKS).filter((sink) => sinkEnabled(sink.name));
}

export function isMirrored(collection: string): boolean {
  return MIRROR_COLLECTIONS.value()
    .split(",")
    .map((name) => name.trim())
    .includes(collection);
}

const status = new SinkStatus();
let queues: Promise<DeliveryQueues> | undefined;

/** A mirror trigger: the change, on the queue of every enabled sink. A failure throws, and Eventarc retries the event. */
export async function handleChange(event: FirestoreEvent<Change<DocumentSnapshot> | undefined, Record<string, string>>): Promise<void> {
  const change = event.data;
  if (!change) return;
  const envelope = buildEnvelope({
    eventId: event.id,
    eventTime: event.time,
    documentPath: event.document,
    pathParams: event.params,
    before: { exists: change.before.exists, data: change.before.data(), updateTime: change.before.updateTime },
    after: { exists: change.after.exists, data: change.after.data(), updateTime: change.after.updateTime },
  });
  if (!isMirrored(envelope.collection)) return;
  queues ??= adminDeliveryQueues().catch((error: unknown) => {
    queues = undefined;
    throw error;
  });
  const kit = await firestoreKit();
  await enqueueDeliveries(kit, await queues, envelope, SINK_NAMES.filter(sinkEnabled), status);
  await status.flush(kit);
}

export const mirrorUsers = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.users }, handleChange);
export const mirrorProgress = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.progress }, handleChange);
export const mirrorActivityDays = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.activityDays }, handleChange);
export const mirrorCompetencies = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.competencies }, handleChange);
export const mirrorActivities = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.activities }, handleChange);
export const mirrorAnswers = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.answers }, handleChange);
export const mirrorQuizProgress = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.quizProgress }, handleChange);
export const mirrorReviews = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.reviews }, handleChange);

/**
 * A sink's delivery task. A sink switched off since the change was enqueued fails it, so the queue retries it and its
 * last attempt leaves an exhausted dead letter for replayDeadLetters once the sink is on again. A malformed task is
 * logged and acknowledged: only a bug or a forgery makes one, and no retry would mend it.
 */
export async function runDelivery(sink: Sink, data: unknown, retryCount: number): Promise<void> {
  const parsed = DeliveryTask.safeParse(data);
  if (!parsed.success) return logs.deliveryTaskRefused({ sink: sink.name, issues: toFieldIssues(parsed.error) });
  if ("envelope" in parsed.data && !isMirrored(parsed.data.envelope.collection)) {
    return logs.deliveryTaskRefused({ sink: sink.name, issues: [{ path: "envelope.collection", message: "not a mirrored collection" }] });
  }
  const kit = await firestoreKit();
  try {
    await deliverTask(kit, sinkEnabled(sink.name) ? sink : switchedOff(sink.name), parsed.data, retryCount, status);
  } catch (error) {
    if (!(error instanceof DeliveryFailed)) logs.deliveryAttemptFailed({ sink: sink.name, retryCount, error });
    // Any answer but 2xx makes Cloud Tasks retry; an HttpsError answers 503 without firebase-functions logging the
    // raw error, whose fields may hold a document's data (the attempt was logged above, redacted).
    throw new HttpsError("unavailable", `delivery to ${sink.name} failed; the queue retries it`);
  } finally {
    await status.flush(kit);
  }
}

/** A switched-off sink as a delivery sees it: every attempt fails, so the change ends as a dead letter to replay. */
function switchedOff(name: SinkName): Sink {
  return { name, deliver: async () => ({ failed: new Error(`sink ${name} is switched off`) }) };
}

const deliveryQueueOptions = (maxDispatchesPerSecond: number | Expression<number>, maxConcurrentDispatches: number) => ({
  ...deliveryTaskOptions,
  retryConfig: DELIVERY_RETRY,
  rateLimits: { maxDispatchesPerSecond, maxConcurrentDispatches },
});

/** BigQuery: streaming inserts take far more than this; 500/s bounds a burst's cost per second. */
export const deliverBigQuery = onTaskDispatched(deliveryQueueOptions(500, 160), (request) => runDelivery(BIGQUERY, request.data, request.retryCount));
/** MongoDB: as many at once as the instances' connection pools hold (8 instances × 5). */
export const deliverMongo = onTaskDispatched({ ...deliveryQueueOptions(500, DELIVERY_MAX_INSTANCES * MONGO_POOL_SIZE), secrets: [MONGODB_URI] }, (request) =>
  runDelivery(MONGO, request.data, request.retryCount),
);
/** Cosmos: the container's RU budget over the RU of one delivery (COSMOS_DELIVERIES_PER_SECOND). */
export const deliverCosmos = onTaskDispatched({ ...deliveryQueueOptions(COSMOS_DELIVERIES_PER_SECOND, 160), secrets: [COSMOS_KEY] }, (request) =>
  runDelivery(COSMOS, request.data, request.retryCount),
);

export const handleReplayDeadLetters = callable({ name: "replayDeadLetters", schema: ReplayDeadLettersRequest, role: "admin" }, async (input) => {
  const result = await replayDeadLetters(await firestoreKit(), enabledSinks(), {
    limit: input.limit ?? 100,
    ...(input.sink ? { sink: input.sink } : {}),
  });
  logs.replayDone({ trigger: "replayDeadLetters", ...result });
  return result;
});

export const replayDeadLettersCallable = onCallable({ ...adminCallableOptions, secrets: SINK_SECRETS, timeoutSeconds: 300 }, handleReplayDeadLetters);

export const handleGetSyncStatus = callable({ name: "getSyncStatus", schema: GetSyncStatusRequest, role: "admin" }, async () =>
  readSyncStatus(await firestoreKit(), allShards().map((shard) => upstash(shard)), {
    phase: migrationPhase(),
    enabled: sinkEnabled,
    windowMs: windowMsOfSchedule(FLUSH_SCHEDULE),
  }),
);

export const getSyncStatus = onCallable({ ...adminCallableOptions, secrets: REDIS_SECRETS }, handleGetSyncStatus);
