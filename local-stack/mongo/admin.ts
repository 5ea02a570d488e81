/** Handshake, server information, sessions, databases, collections and indexes. */
import { collectionName, collectionOf, docField, numberField, arrayField, type Handler } from "./context.ts";
import { failedToParse, indexNotFound, namespaceExists, namespaceNotFound } from "./errors.ts";
import { matcher } from "./query.ts";
import type { IndexSpec } from "./store.ts";
import { docView, toView, type Doc } from "./values.ts";

/**
 * MongoDB 7.0 (wire version 21). Driver 7 accepts wire versions 9 (4.4) to 29; 7.0 is a version whose behaviour
 * the stand-in follows and below 8.0's (25) client-level bulkWrite command, which it does not implement.
 */
export const SERVER_VERSION = "7.0.0";
export const MAX_WIRE_VERSION = 21;

const startedAt = Date.now();

/**
 * hello / isMaster for a standalone. No `topologyVersion`, so the driver polls (heartbeatFrequencyMS) rather than
 * streaming awaitable hellos; `logicalSessionTimeoutMinutes` makes it send (and us ignore) session ids, as a
 * real standalone does.
 */
export const hello: Handler = (_body, context) => ({
  helloOk: true,
  isWritablePrimary: true,
  ismaster: true,
  maxBsonObjectSize: 16 * 1024 * 1024,
  maxMessageSizeBytes: 48_000_000,
  maxWriteBatchSize: 100_000,
  localTime: new Date(),
  logicalSessionTimeoutMinutes: 30,
  connectionId: context.connectionId,
  minWireVersion: 0,
  maxWireVersion: MAX_WIRE_VERSION,
  readOnly: false,
  ok: 1,
});

export const buildInfo: Handler = () => ({
  version: SERVER_VERSION,
  gitVersion: "learnpulse-local-stand-in",
  versionArray: [7, 0, 0, 0],
  bits: 64,
  debug: false,
  maxBsonObjectSize: 16 * 1024 * 1024,
  storageEngines: ["memory"],
  modules: [],
  ok: 1,
});

export const ok: Handler = () => ({ ok: 1 });

export const serverStatus: Handler = () => ({
  host: "127.0.0.1",
  version: SERVER_VERSION,
  process: "mongod",
  uptime: Math.floor((Date.now() - startedAt) / 1000),
  localTime: new Date(),
  ok: 1,
});

export const listDatabases: Handler = (body, context) => {
  const names = [...context.store.databases.values()].filter((db) => db.collections.size > 0).map((db) => db.name);
  if (body.nameOnly === true) return { databases: names.map((name) => ({ name })), ok: 1 };
  return { databases: names.map((name) => ({ name, sizeOnDisk: 0, empty: false })), totalSize: 0, ok: 1 };
};

export const dropDatabase: Handler = (_body, context) => {
  context.store.databases.delete(context.db);
  return { dropped: context.db, ok: 1 };
};

export const listCollections: Handler = (body, context) => {
  const db = context.store.db(context.db);
  const infos = [...db.collections.entries()].map(([name, collection]) => ({
    name,
    type: "collection",
    options: {},
    info: { readOnly: false, uuid: collection.uuid },
    idIndex: { v: 2, key: { _id: 1 }, name: "_id_" },
  }));
  const filter = docField(body.filter, "filter");
  const test = matcher(filter);
  const matching = infos.filter((info) => test({ doc: info, view: docView(info) }));
  const docs = body.nameOnly === true ? matching.map(({ name, type }) => ({ name, type })) : matching;
  const cursor = docField(body.cursor, "cursor") ?? {};
  return { cursor: context.cursors.first(`${context.db}.$cmd.listCollections`, docs, numberField(cursor.batchSize)), ok: 1 };
};

export const create: Handler = (body, context) => {
  const name = collectionName(body, "create");
  const db = context.store.db(context.db);
  if (db.collection(name)) throw namespaceExists(`Collection ${context.db}.${name} already exists.`);
  db.ensure(name);
  return { ok: 1 };
};

export const drop: Handler = (body, context) => {
  const name = collectionName(body, "drop");
  const db = context.store.db(context.db);
  const collection = db.collection(name);
  // MongoDB 7.0 answers ok for a collection that does not exist.
  if (!collection) return { ok: 1 };
  db.collections.delete(name);
  return { nIndexesWas: collection.indexes.length, ns: collection.ns, ok: 1 };
};

export const createIndexes: Handler = (body, context) => {
  const name = collectionName(body, "createIndexes");
  const db = context.store.db(context.db);
  const createdCollectionAutomatically = !db.collection(name);
  const collection = db.ensure(name);
  const before = collection.indexes.length;
  for (const index of arrayField(body.indexes, "indexes")) {
    const key = docField(index.key, "key");
    if (!key || Object.keys(key).length === 0) throw failedToParse("Index key pattern must be a non-empty object");
    if (typeof index.name !== "string") throw failedToParse("The 'name' field is a required property of an index specification");
    const spec: IndexSpec = { ...(toView(index) as Doc), v: 2, key, name: index.name };
    if (index.partialFilterExpression) spec.partialFilterExpression = index.partialFilterExpression as Doc;
    collection.createIndex(spec);
  }
  const after = collection.indexes.length;
  return {
    numIndexesBefore: before,
    numIndexesAfter: after,
    createdCollectionAutomatically,
    ...(before === after ? { note: "all indexes already exist" } : {}),
    ok: 1,
  };
};

export const listIndexes: Handler = (body, context) => {
  const collection = collectionOf(body, "listIndexes", context);
  if (!collection) throw namespaceNotFound(`ns does not exist: ${context.db}.${collectionName(body, "listIndexes")}`);
  const cursor = docField(body.cursor, "cursor") ?? {};
  return { cursor: context.cursors.first(collection.ns, [...collection.indexes], numberField(cursor.batchSize)), ok: 1 };
};

export const dropIndexes: Handler = (body, context) => {
  const collection = collectionOf(body, "dropIndexes", context);
  if (!collection) throw namespaceNotFound(`ns not found ${context.db}.${collectionName(body, "dropIndexes")}`);
  const nIndexesWas = collection.indexes.length;
  const index = body.index;
  const names =
    index === "*"
      ? collection.indexes.map((spec) => spec.name).filter((name) => name !== "_id_")
      : typeof index === "string"
        ? [index]
        : Array.isArray(index)
          ? index.map(String)
          : collection.indexes.filter((spec) => JSON.stringify(toView(spec.key)) === JSON.stringify(toView(index))).map((spec) => spec.name);
  if (names.length === 0 && index !== "*") throw indexNotFound("can't find index with key");
  for (const name of names) collection.dropIndex(name);
  return { nIndexesWas, ok: 1 };
};
