/**
 * Erasure everywhere (API.md deleteUserData / deleteMyData / getErasure): a learner with data in every store — progress
 * buffered and flushed, activities, answers, a review, quiz progress, competencies, and their mirrors in BigQuery,
 * MongoDB and Cosmos — is erased, and afterwards no store holds a document, row or key naming them (searched by uid
 * and by the document paths), while another learner is untouched. BigQuery's streaming buffer refuses the first
 * DELETE, so the follow-up pass is what finishes it; a ping and a change that race the erasure bring nothing back.
 * On a stack of this file's own: it sets the erasure's delays and BigQuery's streaming buffer.
 */
import type { Stack } from "@learnpulse/local-stack";
import { DEMO_COURSE_ID, DEMO_QUIZ_ID, seedDemoCatalogue } from "@learnpulse/local-stack/seed.ts";
import { initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import type { DocumentReference } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bigquery } from "../../src/adapters/bigquery.js";
import { cosmosContainer } from "../../src/adapters/cosmos.js";
import { firestore, firestoreKit } from "../../src/adapters/firestore.js";
import { mongo } from "../../src/adapters/mongo.js";
import { BIGQUERY_DATASET, MONGODB_DATABASE } from "../../src/config.js";
import { WRITE_BEHIND_DOC } from "../../src/progress/flush-tasks.js";
import { ERASURE_REQUESTS } from "../../src/rights/erase.js";
import { eraseDeletedUser } from "../../src/rights/functions.js";
import { ERASED_KEY } from "../../src/rights/erased.js";
import type { ErasureResponse } from "../../src/schemas/rights.js";
import { MIRRORED_DOCUMENTS } from "../../src/sync/collections.js";
import { deliverTask } from "../../src/sync/delivery-tasks.js";
import { changelogTable } from "../../src/sync/mappers/bigquery.js";
import { COSMOS_MAPPINGS, COSMOS_PARTITION_KEY } from "../../src/sync/mappers/cosmos.js";
import { SinkStatus } from "../../src/sync/sink-status.js";
import { mongoSink } from "../../src/sync/sinks/mongo.js";
import { stackRedis } from "../helpers/counting.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { testEnvelope } from "../helpers/sinks.js";
import { callFunction, triggersIdle, uniqueId } from "../helpers/stack.js";

const admin = { uid: "erasure-admin", claims: { admin: true } };
const teacher = { uid: "erasure-teacher", claims: { teacher: true } };

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack({ ERASURE_FOLLOW_UP_SECONDS: "1", ERASURE_RETRY_SECONDS: "1" }, { taskBackoffScale: 0.001 });
  await seedDemoCatalogue(await firestore());
});
afterAll(async () => {
  await stack?.stop();
});

async function call<T>(name: string, data: unknown, options: { uid: string; claims?: Record<string, unknown> }): Promise<T> {
  const answer = await callFunction(name, data, options);
  if (answer.status !== 200) throw new Error(`${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.result as T;
}

/** Everything a learner does that stores something, through the callables, then mirrored to every sink. */
async function learn(uid: string): Promise<void> {
  const me = { uid };
  await call("recordActivity", { type: "login", clientEventId: uniqueId("ev") }, me);
  await call("saveProgress", { courseId: DEMO_COURSE_ID, lectureId: "demo-lecture-1", position: 30, duration: 120, playedSegments: [[0, 30]] }, me);
  await call("flushNow", {}, admin);
  await call("completeLecture", { courseId: DEMO_COURSE_ID, lectureId: "demo-lecture-2" }, me);
  const attemptId = uniqueId("att");
  await call("startAttempt", { questionId: "demo-q-true_false", attemptId, quizId: DEMO_QUIZ_ID }, me);
  await call("submitAnswer", { questionId: "demo-q-true_false", attemptId, quizId: DEMO_QUIZ_ID, answer: { value: true }, timeSpentMs: 1_000 }, me);
  const essay = uniqueId("att");
  await call("startAttempt", { questionId: "demo-q-essay", attemptId: essay }, me);
  const { answerId } = await call<{ answerId: string }>("submitAnswer", { questionId: "demo-q-essay", attemptId: essay, answer: { text: "Pings wait in Redis." }, timeSpentMs: 1_000 }, me);
  await call("reviewAnswer", { answerId, score: 3, feedback: "Good." }, teacher);
  // Still in the buffer at the erasure.
  await call("saveProgress", { courseId: DEMO_COURSE_ID, lectureId: "demo-lecture-3", position: 10, duration: 240 }, me);
  await triggersIdle();
}

/** Every place a store names `uid`: Firestore documents (beside the erasure's own record), Redis keys, sink rows. */
async function traces(uid: string): Promise<Record<string, string[]>> {
  const db = await firestore();
  const found: Record<string, string[]> = { firestore: [], redis: [], mongo: [], cosmos: [], bigquery: [] };
  const walk = async (ref: DocumentReference): Promise<void> => {
    const snap = await ref.get();
    if (snap.exists && !ref.path.startsWith("_sync/erasures/") && (ref.path.includes(uid) || JSON.stringify(snap.data()).includes(uid))) found.firestore!.push(ref.path);
    for (const collection of await ref.listCollections()) for (const doc of await collection.listDocuments()) await walk(doc);
  };
  for (const collection of await db.listCollections()) for (const doc of await collection.listDocuments()) await walk(doc);

  for (const shard of stack.redisShards.keys()) {
    const redis = stackRedis({ shard });
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, { match: `*${uid}*`, count: 1_000 });
      cursor = String(next);
      found.redis!.push(...keys.map(String));
    } while (cursor !== "0");
  }

  const mongoDb = (await mongo()).db(MONGODB_DATABASE.value());
  for (const name of Object.keys(MIRRORED_DOCUMENTS)) {
    for (const doc of await mongoDb.collection(name).find({}).toArray()) if (JSON.stringify(doc).includes(uid)) found.mongo!.push(`${name}/${String(doc._id)}`);
  }
  for (const container of new Set(Object.values(COSMOS_MAPPINGS).map((mapping) => mapping.container))) {
    const { resources } = await (await cosmosContainer(container, COSMOS_PARTITION_KEY)).items.query("SELECT * FROM c").fetchAll();
    for (const item of resources) if (JSON.stringify(item).includes(uid)) found.cosmos!.push(`${container}/${String(item.id)}`);
  }
  const bq = await bigquery();
  for (const name of Object.keys(MIRRORED_DOCUMENTS)) {
    const [rows] = await bq.query({ query: `SELECT * FROM \`${BIGQUERY_DATASET.value()}.${changelogTable(name)}\`` }).catch(() => [[] as unknown[]]);
    for (const row of rows) if (JSON.stringify(row).includes(uid)) found.bigquery!.push(`${name}: ${String((row as { document_name: string }).document_name)}`);
  }
  return found;
}

const nothing = { firestore: [], redis: [], mongo: [], cosmos: [], bigquery: [] };

describe("erasure", () => {
  it("when an admin erases a learner, then after the follow-up passes no store names them, a racing ping and a late change bring nothing back, and the other learner keeps everything", async () => {
    const learner = uniqueId("erase-me");
    const other = uniqueId("keep-me");
    await learn(learner);
    await learn(other);
    const before = await traces(learner);
    for (const store of Object.keys(nothing)) expect(before[store]?.length, `${store} holds the learner before`).toBeGreaterThan(0);
    const otherBefore = await traces(other);

    const started = await call<ErasureResponse>("deleteUserData", { uid: learner }, admin);

    expect(started).toMatchObject({ uid: learner, status: "pending" });
    expect(started.stores.firestore.deleted).toBeGreaterThan(0);
    expect(started.stores.redis.deleted).toBeGreaterThan(0);
    // Streamed minutes ago at most: BigQuery refuses to delete those rows yet.
    expect(started.stores.bigquery.remaining).toBeGreaterThan(0);

    // A ping that raced the erasure is buffered, and the next flush drops it unwritten.
    await call("saveProgress", { courseId: DEMO_COURSE_ID, lectureId: "demo-lecture-4", position: 5, duration: 420 }, { uid: learner });
    await call("flushNow", {}, admin);
    expect((await (await firestore()).doc(WRITE_BEHIND_DOC).get()).get("lastFlush.erasedKeys")).toBe(1);

    // A change of the learner's delivered late (its event from before the erasure) is not mirrored back.
    const late = testEnvelope(`users/${learner}/progress/${DEMO_COURSE_ID}`, { uid: learner, courseId: DEMO_COURSE_ID }, { watchTimes: { "demo-lecture-1": 99 } }, 1);
    const sink = mongoSink(mongo, () => MONGODB_DATABASE.value());
    let delivered = 0;
    const counting = { ...sink, deliver: (envelope: typeof late) => (delivered++, sink.deliver(envelope)) };
    await deliverTask(await firestoreKit(), counting, { envelope: late }, 0, new SinkStatus());
    expect(delivered).toBe(0);

    // Time passes for the streaming buffer; the follow-up passes finish.
    stack.bigquery.setStreamingBufferMs(0);
    await expect
      .poll(async () => (await call<ErasureResponse>("getErasure", { requestId: started.requestId }, { uid: learner })).status, { timeout: 30_000, interval: 250 })
      .toBe("done");
    const done = await call<ErasureResponse>("getErasure", { requestId: started.requestId }, admin);
    for (const store of Object.keys(nothing) as (keyof ErasureResponse["stores"])[]) expect(done.stores[store].remaining, store).toBe(0);
    expect(done.stores.bigquery.deleted).toBeGreaterThan(0);

    const after = await traces(learner);
    // The one key left names the learner on purpose: the shard's record that blocks their pings for a day (erased.ts).
    expect({ ...after, redis: after.redis!.filter((key) => key !== ERASED_KEY) }).toEqual(nothing);
    const otherAfter = await traces(other);
    for (const store of Object.keys(nothing)) expect(otherAfter[store], store).toEqual(expect.arrayContaining(otherBefore[store] ?? []));
  }, 120_000);

  it("when a learner asks to erase their own data, then it needs the confirmation, and only they and an admin can read the request", async () => {
    const learner = uniqueId("erase-self");
    await call("recordActivity", { type: "login", clientEventId: uniqueId("ev") }, { uid: learner });

    expect((await callFunction("deleteMyData", {}, { uid: learner })).status).toBe(400);
    expect((await callFunction("deleteMyData", { confirm: "delete" }, { uid: learner })).status).toBe(400);
    const started = await call<ErasureResponse>("deleteMyData", { confirm: "DELETE" }, { uid: learner });

    expect(started).toMatchObject({ uid: learner, status: "pending" });
    expect((await callFunction("getErasure", { requestId: started.requestId }, { uid: uniqueId("someone") })).status).toBe(404);
    expect((await callFunction("deleteUserData", { uid: learner }, { uid: uniqueId("student") })).status).toBe(403);
    stack.bigquery.setStreamingBufferMs(0);
    await expect.poll(async () => (await call<ErasureResponse>("getErasure", { requestId: started.requestId }, { uid: learner })).status, { timeout: 30_000 }).toBe("done");
  }, 60_000);

  it("when a store is down during the first pass, then the request answers pending, and the follow-up passes finish once it is back", async () => {
    const learner = uniqueId("erase-outage");
    await learn(learner);
    stack.bigquery.setStreamingBufferMs(0);
    stack.mongo?.fault("refuse");

    const started = await call<ErasureResponse>("deleteUserData", { uid: learner }, admin);

    // The pass stopped at MongoDB, before Firestore (which goes last): nothing counted, the learner's documents still there.
    expect(started).toMatchObject({ uid: learner, status: "pending" });
    expect(Object.values(started.stores).map((store) => store.deleted)).toEqual([0, 0, 0, 0, 0]);
    expect((await (await firestore()).doc(`users/${learner}`).get()).exists).toBe(true);
    stack.mongo?.fault(false);
    await expect.poll(async () => (await call<ErasureResponse>("getErasure", { requestId: started.requestId }, admin)).status, { timeout: 30_000, interval: 250 }).toBe("done");
    expect((await traces(learner)).mongo).toEqual([]);
  }, 60_000);

  it("when the learner's Firebase Auth user is deleted, then the Auth trigger starts the same erasure, once", async () => {
    const learner = uniqueId("erase-auth");
    await call("recordActivity", { type: "login", clientEventId: uniqueId("ev") }, { uid: learner });
    await triggersIdle();
    const firedBefore = stack.authTriggers.stats().fired;
    stack.bigquery.setStreamingBufferMs(0);

    await getAuth(initializeApp({ projectId: stack.projectId }, uniqueId("admin-app"))).deleteUser(learner);
    await stack.authTriggers.idle();

    expect(stack.authTriggers.stats()).toMatchObject({ fired: firedBefore + 1, failed: 0 });
    const requests = await (await firestore()).collection(ERASURE_REQUESTS).where("uid", "==", learner).get();
    expect(requests.docs.map((doc) => doc.get("requestedBy"))).toEqual(["auth"]);
    const requestId = requests.docs[0]?.id ?? "";
    await expect.poll(async () => (await call<ErasureResponse>("getErasure", { requestId }, admin)).status, { timeout: 30_000 }).toBe("done");
    expect((await traces(learner)).firestore).toEqual([]);

    // Auth may deliver an event twice: the second delivery finds the request of the first.
    const twice = uniqueId("erase-auth");
    await eraseDeletedUser(twice, "event-delivered-twice");
    await eraseDeletedUser(twice, "event-delivered-twice");
    expect((await (await firestore()).collection(ERASURE_REQUESTS).where("uid", "==", twice).get()).size).toBe(1);

    // A uid the callables would refuse stored nothing, and its glob characters must not reach the Redis pass's SCAN.
    await eraseDeletedUser("a*", "event-of-an-odd-uid");
    expect((await (await firestore()).collection(ERASURE_REQUESTS).where("uid", "==", "a*").get()).size).toBe(0);
  }, 60_000);
});
