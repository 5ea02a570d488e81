/** find, getMore, killCursors, count, distinct and aggregate. */
import { Long } from "bson";
import { arrayField, candidates, collectionName, collectionOf, docField, numberField, type Handler } from "./context.ts";
import { CommandError, typeMismatch } from "./errors.ts";
import { aggregate as runPipeline, select, selectEntries } from "./query.ts";
import { getPath, valueKey } from "./values.ts";

export const find: Handler = (body, context) => {
  const name = collectionName(body, "find");
  const filter = docField(body.filter, "filter");
  let limit = numberField(body.limit) ?? 0;
  let singleBatch = body.singleBatch === true;
  if (limit < 0) {
    // Legacy form: a negative limit means one batch of at most |limit| documents.
    limit = -limit;
    singleBatch = true;
  }
  const docs = select(candidates(collectionOf(body, "find", context), filter), {
    filter,
    sort: docField(body.sort, "sort"),
    projection: docField(body.projection, "projection"),
    skip: numberField(body.skip),
    limit,
  });
  const cursor = context.cursors.first(`${context.db}.${name}`, docs, numberField(body.batchSize), singleBatch);
  return { cursor, ok: 1 };
};

export const getMore: Handler = (body, context) => {
  const id = body.getMore;
  if (!(id instanceof Long)) throw typeMismatch("getMore: cursor id must be a long");
  return { cursor: context.cursors.next(id, numberField(body.batchSize)), ok: 1 };
};

export const killCursors: Handler = (body, context) =>
  context.cursors.kill(arrayField(body.cursors, "cursors").filter((id): id is Long => id instanceof Long));

/** `estimatedDocumentCount` sends count without a query. */
export const count: Handler = (body, context) => {
  const filter = docField(body.query, "query");
  const matches = selectEntries(candidates(collectionOf(body, "count", context), filter), {
    filter,
    skip: numberField(body.skip),
    limit: Math.abs(numberField(body.limit) ?? 0),
  });
  return { n: matches.length, ok: 1 };
};

/** Distinct values of a top-level or dotted field; array values count element by element, as in MongoDB. */
export const distinct: Handler = (body, context) => {
  const key = body.key;
  if (typeof key !== "string") throw typeMismatch("distinct: key must be a string");
  const filter = docField(body.query, "query");
  const seen = new Map<string, unknown>();
  for (const doc of select(candidates(collectionOf(body, "distinct", context), filter), { filter })) {
    const value = getPath(doc, key);
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && !seen.has(valueKey(item))) seen.set(valueKey(item), item);
    }
  }
  return { values: [...seen.values()], ok: 1 };
};

/** Stages that write elsewhere: not supported (they would need their own write path). */
const UNSUPPORTED_STAGES = ["$out", "$merge", "$currentOp", "$listLocalSessions", "$changeStream"];

export const aggregate: Handler = (body, context) => {
  const pipeline = arrayField(body.pipeline, "pipeline");
  for (const stage of pipeline) {
    const [stageName] = Object.keys(stage);
    if (stageName && UNSUPPORTED_STAGES.includes(stageName))
      throw new CommandError(40324, "Location40324", `Unrecognized pipeline stage name: '${stageName}' (not supported by the local MongoDB stand-in)`);
  }
  if (typeof body.aggregate !== "string") throw typeMismatch("aggregate: only collection aggregations are supported");
  const name = body.aggregate;
  const db = context.store.db(context.db);
  const docs = runPipeline(db.collection(name)?.all() ?? [], pipeline, (other) => db.collection(other)?.all() ?? []);
  const cursorOptions = docField(body.cursor, "cursor") ?? {};
  const cursor = context.cursors.first(`${context.db}.${name}`, docs, numberField(cursorOptions.batchSize));
  return { cursor, ok: 1 };
};
