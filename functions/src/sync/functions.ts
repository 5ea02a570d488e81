/** Registrations of the sync capability: a change trigger per mirrored collection and the dead-letter replay. */
import { onDocumentWritten, type Change, type DocumentSnapshot, type FirestoreEvent } from "firebase-functions/firestore";
import { onSchedule } from "firebase-functions/scheduler";
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
  migrationPhase,
} from "../config.js";
import { allShards } from "../progress/shards.js";
import { windowMsOfSchedule } from "../progress/window.js";
import * as logs from "../logs.js";
import { adminCallableOptions, mirrorTriggerOptions, scheduleOptions } from "../options.js";
import { GetSyncStatusRequest, ReplayDeadLettersRequest } from "../schemas/sync.js";
import { replayDeadLetters } from "./dead-letters.js";
import { dispatch } from "./dispatch.js";
import { MIRRORED_DOCUMENTS } from "./collections.js";
import { buildEnvelope } from "./envelope.js";
import { SinkStatus } from "./sink-status.js";
import { readSyncStatus } from "./status.js";
import { bigquerySink } from "./sinks/bigquery.js";
import { cosmosSink } from "./sinks/cosmos.js";
import { mongoSink } from "./sinks/mongo.js";
import type { Sink } from "./sinks/sink.js";
import { onCallable } from "../on-callable.js";

export { MIRRORED_DOCUMENTS };

const SINKS = {
  bigquery: bigquerySink(bigquery, () => BIGQUERY_DATASET.value()),
  mongo: mongoSink(mongo, () => MONGODB_DATABASE.value()),
  cosmos: cosmosSink(cosmosContainer),
};

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
  const kit = await firestoreKit();
  await dispatch(kit, envelope, enabledSinks(), status);
  await status.flush(kit);
}


export const mirrorUsers = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.users }, handleChange);
export const mirrorProgress = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.progress }, handleChange);
export const mirrorActivityDays = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.activityDays }, handleChange);
export const mirrorCompetencies = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.competencies }, handleChange);
export const mirrorActivities = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.activities }, handleChange);
export const mirrorAnswers = onDocumentWritten({ ...mirrorTriggerOptions, document: MIRRORED_DOCUMENTS.answers }, handleChange);

/** Letters one scheduled replay takes at most (each is one delivery). */
const SCHEDULED_REPLAY_LIMIT = 500;

export const handleReplayDeadLetters = callable({ name: "replayDeadLetters", schema: ReplayDeadLettersRequest, admin: true }, async (input) => {
  const result = await replayDeadLetters(await firestoreKit(), enabledSinks(), {
    limit: input.limit ?? 100,
    force: true,
    ...(input.sink ? { sink: input.sink } : {}),
  });
  logs.replayDone({ trigger: "replayDeadLetters", ...result });
  return result;
});

export const replayDeadLettersCallable = onCallable({ ...adminCallableOptions, secrets: SINK_SECRETS, timeoutSeconds: 300 }, handleReplayDeadLetters);

export const replayDeadLettersSchedule = onSchedule(
  { ...scheduleOptions, schedule: "every 10 minutes", secrets: SINK_SECRETS, memory: "512MiB", timeoutSeconds: 540 },
  async () => {
    const result = await replayDeadLetters(await firestoreKit(), enabledSinks(), { limit: SCHEDULED_REPLAY_LIMIT });
    logs.replayDone({ trigger: "schedule", ...result });
  },
);

export const handleGetSyncStatus = callable({ name: "getSyncStatus", schema: GetSyncStatusRequest, admin: true }, async () =>
  readSyncStatus(await firestoreKit(), allShards().map((shard) => upstash(shard)), {
    phase: migrationPhase(),
    enabled: sinkEnabled,
    windowMs: windowMsOfSchedule(FLUSH_SCHEDULE),
  }),
);

export const getSyncStatus = onCallable({ ...adminCallableOptions, secrets: REDIS_SECRETS }, handleGetSyncStatus);
