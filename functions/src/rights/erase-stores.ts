/**
 * One erasure pass in each store: delete what names the learner, then count what still does. Each is idempotent, so
 * a pass can run again (the follow-up) until every store counts nothing. What names a learner:
 * - their documents' paths (`users/{uid}/**`, and the owned documents' paths collected from Firestore: an answer's
 *   id is a hash, so the sinks' tombstones of deleted answers name them only by path);
 * - the `uid` field of owned documents, and Cosmos's `student_id` partition key.
 */
import type { BigQuery } from "@google-cloud/bigquery";
import type { Container } from "@azure/cosmos";
import type { DocumentReference, QuerySnapshot } from "firebase-admin/firestore";
import type { MongoClient } from "mongodb";
import type { Redis } from "@upstash/redis";
import type { FirestoreKit } from "../adapters/firestore.js";
import { scanPages } from "../adapters/redis-scan.js";
import { KEY_PREFIX } from "../progress/layout.js";
import { QUARANTINE_COLLECTION } from "../progress/store.js";
import type { StoreErasure } from "../schemas/rights.js";
import { MIRRORED_DOCUMENTS } from "../sync/collections.js";
import { DEAD_LETTERS } from "../sync/dead-letters.js";
import { ENVELOPES } from "../sync/delivery-tasks.js";
import { changelogTable } from "../sync/mappers/bigquery.js";
import { COSMOS_MAPPINGS, COSMOS_PARTITION_KEY } from "../sync/mappers/cosmos.js";
import { markErasedInRedis } from "./erased.js";

/** Top-level collections whose documents a learner owns by their `uid` field (firestore.rules says the same). */
export const OWNED_COLLECTIONS = ["activities", "answers", "reviews"] as const;
/** Firestore's `in` takes at most 30 values. */
const IN_LIMIT = 30;
const BATCH = 400;

export interface ErasureTarget {
  uid: string;
  /** Every document path of the learner's found so far (this pass included). */
  paths: readonly string[];
}

const userRoot = (uid: string) => `users/${uid}`;
const underUser = (uid: string, path: string) => path === userRoot(uid) || path.startsWith(`${userRoot(uid)}/`);
const chunks = <T>(items: readonly T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** The learner's document paths in Firestore: everything under users/{uid}, and their owned documents. */
export async function collectPaths(kit: FirestoreKit, uid: string): Promise<string[]> {
  const paths = await treePaths(kit, uid);
  for (const name of OWNED_COLLECTIONS) {
    const owned = await kit.db.collection(name).where("uid", "==", uid).select().get();
    paths.push(...owned.docs.map((doc) => doc.ref.path));
  }
  return paths;
}

/**
 * Firestore: the user's tree (recursiveDelete), their owned documents, and the bookkeeping that holds their data: dead
 * letters and stored envelopes of their documents' changes, and quarantined pings.
 */
export async function eraseFirestore(kit: FirestoreKit, { uid, paths }: ErasureTarget): Promise<StoreErasure> {
  const { db } = kit;
  let deleted = 0;
  const writer = db.bulkWriter();
  writer.onWriteResult(() => void deleted++);
  await db.recursiveDelete(db.doc(userRoot(uid)), writer);
  const leftovers = await ownedRefs(kit, uid, paths);
  for (const page of chunks(leftovers, BATCH)) {
    const batch = db.batch();
    page.forEach((ref) => batch.delete(ref));
    await batch.commit();
    deleted += page.length;
  }
  return { deleted, remaining: (await ownedRefs(kit, uid, paths)).length + (await treePaths(kit, uid)).length };
}

/** Every document outside the user's tree that holds their data. */
async function ownedRefs(kit: FirestoreKit, uid: string, paths: readonly string[]): Promise<DocumentReference[]> {
  const { db } = kit;
  const refs = new Map<string, DocumentReference>();
  const add = (snap: QuerySnapshot) => snap.docs.forEach((doc) => refs.set(doc.ref.path, doc.ref));
  for (const name of OWNED_COLLECTIONS) add(await db.collection(name).where("uid", "==", uid).select().get());
  add(await db.collection(QUARANTINE_COLLECTION).where("uid", "==", uid).select().get());
  // Letters and stored envelopes carry the changed document's path: the user's tree as a range, owned ones by name.
  for (const collection of [DEAD_LETTERS, ENVELOPES]) {
    const root = userRoot(uid);
    add(await db.collection(collection).where("documentPath", "==", root).select().get());
    add(await db.collection(collection).where("documentPath", ">=", `${root}/`).where("documentPath", "<", `${root}0`).select().get());
    for (const names of chunks(paths.filter((path) => !underUser(uid, path)), IN_LIMIT)) {
      add(await db.collection(collection).where("documentPath", "in", names).select().get());
    }
  }
  return [...refs.values()];
}

/** The documents that exist under users/{uid}, at any depth (listDocuments also finds ids with only subcollections). */
async function treePaths(kit: FirestoreKit, uid: string): Promise<string[]> {
  const paths: string[] = [];
  const walk = async (ref: DocumentReference): Promise<void> => {
    if ((await ref.get()).exists) paths.push(ref.path);
    for (const collection of await ref.listCollections()) for (const doc of await collection.listDocuments()) await walk(doc);
  };
  await walk(kit.db.doc(userRoot(uid)));
  return paths;
}

/** Redis: the user's buffered pings on each shard that may hold them; the shard then remembers the erasure (erased.ts). */
export async function eraseRedis(caches: readonly Redis[], uid: string, nowMs: number): Promise<StoreErasure> {
  let deleted = 0;
  let remaining = 0;
  for (const cache of caches) {
    await markErasedInRedis(cache, uid, nowMs);
    const keys = await scanUserKeys(cache, uid);
    if (keys.length) deleted += await cache.del(...keys);
    remaining += (await scanUserKeys(cache, uid)).length;
  }
  return { deleted, remaining };
}

async function scanUserKeys(cache: Redis, uid: string): Promise<string[]> {
  const keys = new Set<string>();
  // Every part's keys: `lp:b:{part}:{uid}:{courseId}` (layout.ts). Ids hold no glob characters.
  for await (const page of scanPages(cache, `${KEY_PREFIX}b:*:${uid}:*`)) for (const key of page) keys.add(key);
  return [...keys];
}

/** MongoDB: each mirrored collection's documents and tombstones, by path, and by `uid`. */
export async function eraseMongo(client: MongoClient, database: string, { uid, paths }: ErasureTarget): Promise<StoreErasure> {
  const filter = {
    $or: [{ _id: { $in: [...paths, userRoot(uid)] } }, { _id: { $regex: `^${escapeRegex(userRoot(uid))}/` } }, { uid }],
  };
  let deleted = 0;
  let remaining = 0;
  const db = client.db(database);
  for (const name of Object.keys(MIRRORED_DOCUMENTS)) {
    const collection = db.collection<{ _id: string }>(name);
    deleted += (await collection.deleteMany(filter as never)).deletedCount;
    remaining += await collection.countDocuments(filter as never);
  }
  return { deleted, remaining };
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Cosmos DB: every legacy container's items in the learner's partition (`student_id`), tombstones included. */
export async function eraseCosmos(container: (name: string, partitionKeyPath: string) => Promise<Container>, uid: string): Promise<StoreErasure> {
  let deleted = 0;
  let remaining = 0;
  const names = [...new Set(Object.values(COSMOS_MAPPINGS).map((mapping) => mapping.container))];
  const query = { query: "SELECT c.id FROM c WHERE c.student_id = @uid", parameters: [{ name: "@uid", value: uid }] };
  for (const name of names) {
    const target = await container(name, COSMOS_PARTITION_KEY);
    const { resources } = await target.items.query<{ id: string }>(query, { partitionKey: uid }).fetchAll();
    for (const { id } of resources) {
      await target.item(id, uid).delete();
      deleted++;
    }
    remaining += (await target.items.query<{ id: string }>(query, { partitionKey: uid }).fetchAll()).resources.length;
  }
  return { deleted, remaining };
}

/**
 * BigQuery: the changelog rows of the learner's documents (by name, and by `uid` in the data), with DML. BigQuery
 * refuses a DELETE that would touch a row still in the streaming buffer (streamed in the last ~30 minutes): those rows
 * stay `remaining`, and a later pass deletes them.
 */
export async function eraseBigQuery(client: BigQuery, dataset: string, { uid, paths }: ErasureTarget): Promise<StoreErasure> {
  const prefix = `projects/${client.projectId}/databases/(default)/documents/`;
  const params = { names: [...paths, userRoot(uid)].map((path) => prefix + path), tree: `${prefix}${userRoot(uid)}/`, uid };
  const where = "document_name IN UNNEST(@names) OR STARTS_WITH(document_name, @tree) OR JSON_VALUE(data, '$.uid') = @uid OR JSON_VALUE(old_data, '$.uid') = @uid";
  let deleted = 0;
  let remaining = 0;
  for (const collection of Object.keys(MIRRORED_DOCUMENTS)) {
    const table = `\`${dataset}.${changelogTable(collection)}\``;
    const count = await countRows(client, `SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, params);
    if (count === 0) continue;
    try {
      await client.query({ query: `DELETE FROM ${table} WHERE ${where}`, params });
      deleted += count;
    } catch (error) {
      if (!/streaming buffer/i.test((error as Error).message)) throw error;
      remaining += count;
    }
  }
  return { deleted, remaining };
}

async function countRows(client: BigQuery, query: string, params: Record<string, unknown>): Promise<number> {
  try {
    const [rows] = await client.query({ query, params });
    return Number((rows[0] as { n?: unknown } | undefined)?.n ?? 0);
  } catch (error) {
    // A collection that was never mirrored has no table, and nothing to erase.
    if ((error as { code?: unknown }).code === 404) return 0;
    throw error;
  }
}
