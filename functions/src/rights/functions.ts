/** Registrations of the data rights capability (API.md "Data rights"): export, and erasure from every store. */
import { HttpsError } from "firebase-functions/https";
import { onTaskDispatched } from "firebase-functions/tasks";
import { region as regionV1 } from "firebase-functions/v1";
import { z } from "zod";
import { bigquery } from "../adapters/bigquery.js";
import { cosmosContainer } from "../adapters/cosmos.js";
import { firestoreKit } from "../adapters/firestore.js";
import { mongo } from "../adapters/mongo.js";
import { upstash } from "../adapters/upstash.js";
import { callable, type Caller } from "../callable.js";
import { BIGQUERY_DATASET, ERASURE_FOLLOW_UP_SECONDS, ERASURE_RETRY_SECONDS, MONGODB_DATABASE, REDIS_SECRETS, REGION, SINK_SECRETS } from "../config.js";
import { NotFoundError } from "../errors.js";
import { derivedId } from "../ids.js";
import * as logs from "../logs.js";
import { onCallable } from "../on-callable.js";
import { adminCallableOptions, callableOptions } from "../options.js";
import { userShards } from "../progress/shards.js";
import { RATE_LIMITS } from "../rate-limit.js";
import { ID_PATTERN } from "../schemas/common.js";
import { DeleteMyDataRequest, DeleteUserDataRequest, ExportMyDataRequest, GetErasureRequest } from "../schemas/rights.js";
import { sinkEnabled } from "../sync/functions.js";
import { toFieldIssues } from "../validation.js";
import { continueErasure, readErasure, startErasure, type ErasureDeps } from "./erase.js";
import { collectPaths, eraseBigQuery, eraseCosmos, eraseFirestore, eraseMongo, eraseRedis } from "./erase-stores.js";
import { exportSection } from "./export.js";

const ERASE_TASK_FUNCTION = "eraseUser";
const EraseTask = z.strictObject({ requestId: z.string().min(1).max(64) });
type EraseTask = z.infer<typeof EraseTask>;

/** The erasure's stores as production wires them; a sink switched off is not written by LearnPulse, and is not read here. */
async function erasureDeps(): Promise<ErasureDeps> {
  const kit = await firestoreKit();
  const untouched = async () => ({ deleted: 0, remaining: 0 });
  return {
    kit,
    collectPaths: (uid) => collectPaths(kit, uid),
    stores: {
      firestore: (target) => eraseFirestore(kit, target),
      redis: (target, nowMs) => {
        const shards = userShards(target.uid);
        return eraseRedis([shards.current, ...(shards.previous !== undefined ? [shards.previous] : [])].map((shard) => upstash(shard)), target.uid, nowMs);
      },
      mongo: sinkEnabled("mongo") ? async (target) => eraseMongo(await mongo(), MONGODB_DATABASE.value(), target) : untouched,
      cosmos: sinkEnabled("cosmos") ? (target) => eraseCosmos(cosmosContainer, target.uid) : untouched,
      bigquery: sinkEnabled("bigquery") ? async (target) => eraseBigQuery(await bigquery(), BIGQUERY_DATASET.value(), target) : untouched,
    },
    scheduleNext: (requestId, delaySeconds) => enqueueErasePass(requestId, delaySeconds),
    followUpSeconds: ERASURE_FOLLOW_UP_SECONDS.value(),
    retrySeconds: ERASURE_RETRY_SECONDS.value(),
  };
}

async function enqueueErasePass(requestId: string, delaySeconds: number): Promise<void> {
  const [{ getApps, initializeApp }, { getFunctions }] = await Promise.all([import("firebase-admin/app"), import("firebase-admin/functions")]);
  const queue = getFunctions(getApps()[0] ?? initializeApp()).taskQueue<EraseTask>(`locations/${REGION}/functions/${ERASE_TASK_FUNCTION}`);
  await queue.enqueue({ requestId }, { scheduleDelaySeconds: delaySeconds });
}

export const handleExportMyData = callable({ name: "exportMyData", schema: ExportMyDataRequest, rateLimit: RATE_LIMITS.exportMyData }, async (input, caller) =>
  exportSection((await firestoreKit()).db, caller.uid, input.section, input.cursor),
);

export const handleDeleteUserData = callable({ name: "deleteUserData", schema: DeleteUserDataRequest, role: "admin" }, async (input, caller) =>
  startErasure(await erasureDeps(), input.uid, caller.uid),
);

export const handleDeleteMyData = callable({ name: "deleteMyData", schema: DeleteMyDataRequest, rateLimit: RATE_LIMITS.deleteMyData }, async (_input, caller) =>
  startErasure(await erasureDeps(), caller.uid, caller.uid),
);

/**
 * A deleted Firebase Auth user is erased too. Auth's user events exist only for 1st-gen functions (2nd gen has the
 * blocking beforeCreate and beforeSignIn, no deletion event), so this one function is 1st gen, as in Firebase's
 * Delete User Data extension. Auth may deliver an event twice: the event id names the request, so it runs once.
 */
export async function eraseDeletedUser(uid: string, eventId: string): Promise<void> {
  // The callables refuse a uid that is not an id (callable.ts), so such a user stored nothing; and a glob character in
  // it would make the Redis pass's SCAN match other learners' keys.
  if (!ID_PATTERN.test(uid)) return logs.erasureSkipped({ reason: "uid_not_an_id" });
  await startErasure(await erasureDeps(), uid, "auth", Date.now(), requestIdOfEvent(eventId));
}

const requestIdOfEvent = (eventId: string) => `auth-${derivedId("auth-deletion", eventId)}`;

export const handleGetErasure = callable({ name: "getErasure", schema: GetErasureRequest }, async (input, caller: Caller) => {
  const erasure = await readErasure(await firestoreKit(), input.requestId);
  // Another learner's request is answered as if it did not exist: its id tells them nothing.
  if (!caller.admin && erasure.uid !== caller.uid) throw new NotFoundError("No such erasure request");
  return erasure;
});

/** The follow-up passes: retried by the queue while a store is unreachable. */
export async function runErasePass(data: unknown): Promise<void> {
  const parsed = EraseTask.safeParse(data);
  if (!parsed.success) return logs.erasureTaskRefused({ issues: toFieldIssues(parsed.error) });
  try {
    await continueErasure(await erasureDeps(), parsed.data.requestId);
  } catch (error) {
    if (error instanceof NotFoundError) return; // a request deleted by hand: nothing left to do
    logs.erasurePassFailed({ requestId: parsed.data.requestId, error });
    throw new HttpsError("unavailable", "the erasure pass did not finish; the queue retries it");
  }
}

/** Every store's secret: an erasure reaches them all. */
const ERASURE_SECRETS = [...REDIS_SECRETS, ...SINK_SECRETS];
const erasureOptions = { ...callableOptions, secrets: ERASURE_SECRETS, timeoutSeconds: 540, maxInstances: 5 };

export const exportMyData = onCallable(callableOptions, handleExportMyData);
export const deleteMyData = onCallable(erasureOptions, handleDeleteMyData);
export const deleteUserData = onCallable({ ...adminCallableOptions, secrets: ERASURE_SECRETS, timeoutSeconds: 540 }, handleDeleteUserData);
export const getErasure = onCallable(callableOptions, handleGetErasure);
export const eraseOnUserDeleted = regionV1(REGION)
  .runWith({ secrets: ERASURE_SECRETS, memory: "512MB", timeoutSeconds: 540, maxInstances: 2 })
  .auth.user()
  .onDelete((user, context) => eraseDeletedUser(user.uid, context.eventId));

export const eraseUser = onTaskDispatched(
  {
    region: REGION,
    secrets: ERASURE_SECRETS,
    cpu: 1,
    concurrency: 1,
    memory: "512MiB",
    timeoutSeconds: 540,
    maxInstances: 2,
    retryConfig: { maxAttempts: 20, minBackoffSeconds: 60, maxBackoffSeconds: 3_600, maxDoublings: 6 },
    rateLimits: { maxConcurrentDispatches: 2 },
  },
  async (request) => runErasePass(request.data),
);
