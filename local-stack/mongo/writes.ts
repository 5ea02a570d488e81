/**
 * insert, update, delete and findAndModify. Write commands report per-operation failures as `writeErrors`
 * (`{index, code, errmsg, keyPattern, keyValue}`) with `ok: 1`; an ordered batch stops at the first one.
 */
import { ObjectId } from "bson";
import {
  arrayField,
  candidates,
  collectionName,
  collectionOf,
  docField,
  numberField,
  type Handler,
} from "./context.ts";
import { CommandError, asCommandError, failedToParse } from "./errors.ts";
import { project, selectEntries } from "./query.ts";
import type { Collection, Entry } from "./store.ts";
import { applyUpdate, changed, checkUpdate, isOperatorUpdate, upsertDocument } from "./update.ts";
import type { Doc } from "./values.ts";

/** Runs each operation; collects write errors; stops at the first one when ordered (the default). */
function eachOperation(body: Doc, operations: Doc[], run: (operation: Doc, index: number) => void): Doc[] {
  const writeErrors: Doc[] = [];
  for (const [index, operation] of operations.entries()) {
    try {
      run(operation, index);
    } catch (error) {
      writeErrors.push(asCommandError(error).writeError(index));
      if (body.ordered !== false) break;
    }
  }
  return writeErrors;
}

function rejectTransactions(body: Doc): void {
  // What a standalone mongod answers; the driver sends txnNumber only for transactions here.
  if (body.txnNumber !== undefined)
    throw new CommandError(20, "IllegalOperation", "Transaction numbers are only allowed on a replica set member or mongos");
}

function withErrors(reply: Doc, writeErrors: Doc[]): Doc {
  return writeErrors.length ? { ...reply, writeErrors, ok: 1 } : { ...reply, ok: 1 };
}

export const insert: Handler = (body, context) => {
  rejectTransactions(body);
  const collection = context.store.db(context.db).ensure(collectionName(body, "insert"));
  let n = 0;
  const writeErrors = eachOperation(body, arrayField(body.documents, "documents"), (doc) => {
    collection.insert("_id" in doc ? doc : { _id: new ObjectId(), ...doc });
    n++;
  });
  context.wrote(n);
  return withErrors({ n }, writeErrors);
};

/** Inserts an upsert's document; an `_id` that exists but did not match the filter raises E11000, as in MongoDB. */
function upsert(collection: Collection, filter: Doc, update: Doc | Doc[], arrayFilters: Doc[]): Entry {
  return collection.insert(upsertDocument(filter, update, arrayFilters));
}

export const update: Handler = (body, context) => {
  rejectTransactions(body);
  const collection = context.store.db(context.db).ensure(collectionName(body, "update"));
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  const operations = arrayField(body.updates, "updates");
  const writeErrors = eachOperation(body, operations, (operation, index) => {
    const filter = docField(operation.q, "q") ?? {};
    const change = checkUpdate(operation.u);
    const arrayFilters = (operation.arrayFilters as Doc[] | undefined) ?? [];
    const multi = operation.multi === true;
    if (multi && !Array.isArray(change) && !isOperatorUpdate(change))
      throw failedToParse("multi update is not supported for replacement-style update");
    const matches = selectEntries(candidates(collection, filter), { filter, limit: multi ? 0 : 1 });
    if (matches.length === 0 && operation.upsert === true) {
      const entry = upsert(collection, filter, change, arrayFilters);
      n++;
      upserted.push({ index, _id: entry.doc._id });
      context.wrote(1);
      return;
    }
    for (const entry of matches) {
      const next = applyUpdate(entry, change, filter, arrayFilters);
      n++;
      if (changed(entry.doc, next)) {
        collection.replace(entry, next);
        nModified++;
        context.wrote(1);
      }
    }
  });
  return withErrors(upserted.length ? { n, nModified, upserted } : { n, nModified }, writeErrors);
};

export const remove: Handler = (body, context) => {
  rejectTransactions(body);
  const collection = collectionOf(body, "delete", context);
  let n = 0;
  const writeErrors = eachOperation(body, arrayField(body.deletes, "deletes"), (operation) => {
    const filter = docField(operation.q, "q") ?? {};
    const limit = numberField(operation.limit) ?? 0;
    for (const entry of selectEntries(candidates(collection, filter), { filter, limit })) {
      collection!.remove(entry);
      n++;
    }
  });
  context.wrote(n);
  return withErrors({ n }, writeErrors);
};

export const findAndModify: Handler = (body, context) => {
  rejectTransactions(body);
  const name = collectionName(body, "findAndModify");
  const filter = docField(body.query, "query") ?? {};
  const fields = docField(body.fields, "fields");
  const shown = (doc: Doc | null) => (doc && fields ? project([doc], fields)[0]! : doc);
  const existing = context.store.db(context.db).collection(name);
  const [match] = selectEntries(candidates(existing, filter), { filter, sort: docField(body.sort, "sort"), limit: 1 });

  if (body.remove === true) {
    if (!match) return { lastErrorObject: { n: 0 }, value: null, ok: 1 };
    existing!.remove(match);
    context.wrote(1);
    return { lastErrorObject: { n: 1 }, value: shown(match.doc), ok: 1 };
  }
  if (body.update === undefined) throw failedToParse("Either an update or remove=true must be specified");
  const change = checkUpdate(body.update);
  const arrayFilters = (body.arrayFilters as Doc[] | undefined) ?? [];
  const collection = context.store.db(context.db).ensure(name);
  if (match) {
    const next = applyUpdate(match, change, filter, arrayFilters);
    if (changed(match.doc, next)) {
      collection.replace(match, next);
      context.wrote(1);
    }
    return { lastErrorObject: { n: 1, updatedExisting: true }, value: shown(body.new === true ? next : match.doc), ok: 1 };
  }
  if (body.upsert !== true) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
  const entry = upsert(collection, filter, change, arrayFilters);
  context.wrote(1);
  return {
    lastErrorObject: { n: 1, updatedExisting: false, upserted: entry.doc._id },
    value: body.new === true ? shown(entry.doc) : null,
    ok: 1,
  };
};
