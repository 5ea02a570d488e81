/**
 * Change streaming on Cloud Tasks (docs/architecture.md "Change streaming"): a mirror trigger puts one task per enabled
 * sink on that sink's queue, and the queue delivers at the rate the sink can take, retrying with backoff. A change is
 * never held only in memory: it is in a task, in a dead letter, or (past its retries' reach) handed to reconcile with
 * a dead letter to show for it.
 */
import { z } from "zod";
import type { FirestoreKit } from "../adapters/firestore.js";
import { REGION } from "../config.js";
import * as logs from "../logs.js";
import { recordDeadLetter } from "./dead-letters.js";
import { erasedUids, uidOfEnvelope } from "../rights/erased.js";
import type { ChangeEnvelope } from "./envelope.js";
import type { SinkStatus } from "./sink-status.js";
import type { Sink, SinkName, SinkOutcome } from "./sinks/sink.js";

/** The task function of each sink: its queue is named after it. */
export const DELIVERY_FUNCTIONS: Record<SinkName, string> = { bigquery: "deliverBigQuery", mongo: "deliverMongo", cosmos: "deliverCosmos" };

/**
 * Largest envelope a task carries inline, as its JSON. firebase-admin sends a task's body base64-encoded (4/3 of it),
 * and users of Firebase's BigQuery export met "Task size too large" at 100 KB (PRICES.md [37]): 60 KiB stays under
 * that with room for the task's own fields. A larger one is stored (ENVELOPES) and the task names it.
 */
export const MAX_INLINE_ENVELOPE_BYTES = 60 * 1024;
/** Envelopes too large for a task, by event id; `expireAt` is a TTL field (firestore.indexes.json), set 14 days on. */
export const ENVELOPES = "_sync/changes/envelopes";
const ENVELOPE_TTL_MS = 14 * 24 * 3_600_000;

/** Attempts at delivering a change: 1 minute apart, doubling, at most 6 hours (about 8.5 hours in all). */
export const DELIVERY_ATTEMPTS = 10;
/**
 * The queues' retries: DELIVERY_ATTEMPTS, then up to 5 more (6 hours apart) that exist only for a task whose last
 * delivery attempt could not record its dead letter. A change is lost only if Firestore refuses that write for 30 hours.
 */
export const DELIVERY_RETRY = { maxAttempts: DELIVERY_ATTEMPTS + 5, minBackoffSeconds: 60, maxBackoffSeconds: 6 * 3_600, maxDoublings: 9 } as const;

/** An event older than this is not delivered by its trigger's retry: it is handed to reconcile (a dead letter per sink). */
export const MAX_EVENT_AGE_MS = 6 * 3_600_000;

/** An envelope as a task carries it. */
const Envelope = z.strictObject({
  eventId: z.string().min(1).max(200),
  collection: z.string().min(1).max(100),
  documentPath: z.string().min(1).max(1_500),
  documentId: z.string().min(1).max(1_500),
  pathParams: z.record(z.string(), z.string()),
  operation: z.enum(["CREATE", "UPDATE", "DELETE", "IMPORT"]),
  before: z.record(z.string(), z.json()).nullable(),
  after: z.record(z.string(), z.json()).nullable(),
  version: z.string().min(1).max(40),
  eventTime: z.string().min(1).max(40),
});

export const DeliveryTask = z.union([z.strictObject({ envelope: Envelope }), z.strictObject({ stored: z.string().regex(/^[A-Za-z0-9_-]{1,300}$/) })]);
export type DeliveryTask = z.infer<typeof DeliveryTask>;

/** What the trigger needs: a queue per sink (firebase-admin's TaskQueues in production). */
export interface DeliveryQueues {
  /** True when enqueued, false when the task exists already (a retried trigger); throws when it could not be. */
  enqueue(sink: SinkName, task: DeliveryTask, id: string): Promise<boolean>;
}

/** Task ids allow letters, digits, hyphens and underscores (Cloud Tasks): the event id is encoded into that. */
export const deliveryTaskId = (sink: SinkName, eventId: string) => `${sink}-${encodedEventId(eventId)}`;

/**
 * The trigger's part: one task per enabled sink, the envelope inline or stored. Any failure throws, so that the
 * trigger is retried (it is registered with `retry: true`) and nothing is lost; the task ids make a retry harmless.
 * An event older than MAX_EVENT_AGE_MS is recorded as a dead letter per sink instead, for reconcile and the operator.
 */
export async function enqueueDeliveries(
  kit: FirestoreKit,
  queues: DeliveryQueues,
  envelope: ChangeEnvelope,
  sinks: SinkName[],
  status: SinkStatus,
  nowMs = Date.now(),
): Promise<"enqueued" | "too_old"> {
  if (nowMs - Date.parse(envelope.eventTime) > MAX_EVENT_AGE_MS) {
    const error = new Error(`event older than ${MAX_EVENT_AGE_MS / 3_600_000} h when its trigger ran: reconcile ${envelope.collection}`);
    await Promise.all(sinks.map((sink) => recordDeadLetter(kit, sink, envelope, error, nowMs)));
    logs.eventTooOld({ collection: envelope.collection, eventId: envelope.eventId, sinks });
    return "too_old";
  }
  const task = await taskOf(kit, envelope, nowMs);
  await Promise.all(
    sinks.map(async (sink) => {
      if (await queues.enqueue(sink, task, deliveryTaskId(sink, envelope.eventId))) status.enqueued(sink);
    }),
  );
  return "enqueued";
}

async function taskOf(kit: FirestoreKit, envelope: ChangeEnvelope, nowMs: number): Promise<DeliveryTask> {
  if (Buffer.byteLength(JSON.stringify(envelope)) <= MAX_INLINE_ENVELOPE_BYTES) return { envelope };
  const id = encodedEventId(envelope.eventId);
  // documentPath beside the (unindexed) envelope: an erasure finds a learner's stored changes by it (rights/).
  await kit.db.doc(`${ENVELOPES}/${id}`).set({ envelope, documentPath: envelope.documentPath, expireAt: kit.sdk.Timestamp.fromMillis(nowMs + ENVELOPE_TTL_MS) });
  return { stored: id };
}

/** An event id as a task id or document id allow it (it may hold characters neither can): base64url, unpadded. */
const encodedEventId = (eventId: string) => Buffer.from(eventId).toString("base64url");

/**
 * The task's part: delivers the envelope with the sink's version guard (so order and duplicates stay harmless). A
 * failure throws, so that the queue retries, until the last delivery attempt: that one records an exhausted dead
 * letter instead and acknowledges the task; if the letter cannot be written, it throws, and the queue tries again.
 */
export async function deliverTask(kit: FirestoreKit, sink: Sink, task: DeliveryTask, retryCount: number, status: SinkStatus): Promise<void> {
  const envelope = await envelopeOf(kit, task);
  // A change of an erased learner, even the erasure's own delete, would put their data back (or a tombstone naming it).
  const owner = uidOfEnvelope(envelope);
  const outcome: SinkOutcome = owner !== undefined && (await erasedUids(kit)).has(owner) ? { skipped: "erased" } : await sink.deliver(envelope);
  status.record(sink.name, outcome);
  if (!("failed" in outcome)) return;
  logs.deliveryAttemptFailed({ sink: sink.name, retryCount, collection: envelope.collection, eventId: envelope.eventId, error: outcome.failed });
  if (retryCount + 1 < DELIVERY_ATTEMPTS) throw new DeliveryFailed(sink.name);
  await recordDeadLetter(kit, sink.name, envelope, outcome.failed);
  status.exhausted(sink.name);
}

/** The sink did not take the change on an attempt before the last (already logged): the queue retries it. */
export class DeliveryFailed extends Error {
  constructor(sink: SinkName) {
    super(`the ${sink} sink did not take the change`);
    this.name = "DeliveryFailed";
  }
}

async function envelopeOf(kit: FirestoreKit, task: DeliveryTask): Promise<ChangeEnvelope> {
  if ("envelope" in task) return task.envelope;
  const stored = await kit.db.doc(`${ENVELOPES}/${task.stored}`).get();
  if (!stored.exists) throw new Error(`stored envelope ${task.stored} is gone (expired after 14 days?)`);
  return stored.get("envelope") as ChangeEnvelope;
}

/** The production queues: firebase-admin's TaskQueue of each sink's task function (CLOUD_TASKS_EMULATOR_HOST locally). */
export async function adminDeliveryQueues(): Promise<DeliveryQueues> {
  const [{ getApps, initializeApp }, { getFunctions }] = await Promise.all([import("firebase-admin/app"), import("firebase-admin/functions")]);
  const functions = getFunctions(getApps()[0] ?? initializeApp());
  const queues = new Map(Object.entries(DELIVERY_FUNCTIONS).map(([sink, fn]) => [sink, functions.taskQueue<DeliveryTask>(`locations/${REGION}/functions/${fn}`)]));
  return {
    async enqueue(sink, task, id) {
      const queue = queues.get(sink);
      if (!queue) throw new Error(`no delivery queue for sink ${sink}`);
      try {
        await queue.enqueue(task, { id });
        return true;
      } catch (error) {
        if ((error as { code?: unknown }).code !== "functions/task-already-exists") throw error;
        return false;
      }
    },
  };
}
