/**
 * Applying one update (operators, a replacement document or an aggregation pipeline) to one document, and building
 * an upsert's insert, with mingo's update operators over the view form (values.ts).
 */
import { BSON, ObjectId } from "bson";
import { aggregate, update as applyModifier } from "mingo";
import type { Modifier } from "mingo/updater";
import { asCommandError, failedToParse, immutableField, typeMismatch } from "./errors.ts";
import type { Entry } from "./store.ts";
import { cloneView, docView, equalityFields, isPlainObject, numberKind, restoreTypes, toView, valueKey, type Doc, type NumberKind } from "./values.ts";

export type UpdateSpec = Doc | Doc[];

/** Operators whose arguments are stored as given, keeping their BSON types. */
const STORING = new Set(["$set", "$setOnInsert", "$push"]);
/** Arithmetic and comparison: the result type depends on the argument's type. */
const NUMERIC = new Set(["$inc", "$mul", "$max", "$min"]);

export function isOperatorUpdate(update: UpdateSpec): boolean {
  if (Array.isArray(update)) return false;
  const keys = Object.keys(update);
  return keys.length > 0 && keys[0]!.startsWith("$");
}

function prepare(update: Doc, inserting: boolean): { modifier: Doc; argKinds: Map<string, NumberKind> } {
  const modifier: Doc = {};
  const argKinds = new Map<string, NumberKind>();
  for (const op of Object.keys(update)) {
    const args = update[op];
    if (!op.startsWith("$")) throw failedToParse(`Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
    if (!isPlainObject(args)) throw failedToParse(`Modifiers operate on fields but we found type ${typeof args} instead.`);
    if (op === "$setOnInsert") {
      if (inserting) modifier.$set = { ...(modifier.$set as Doc | undefined), ...args };
      continue;
    }
    if (STORING.has(op)) {
      modifier[op] = op === "$set" ? { ...(modifier.$set as Doc | undefined), ...args } : args;
      continue;
    }
    if (NUMERIC.has(op)) {
      for (const path of Object.keys(args)) {
        const kind = numberKind(args[path]);
        if (kind) argKinds.set(path, kind);
      }
    }
    modifier[op] = toView(args);
  }
  return { modifier, argKinds };
}

function applyOperators(doc: Doc, view: Doc, update: Doc, filter: Doc, arrayFilters: Doc[], inserting: boolean): Doc {
  const { modifier, argKinds } = prepare(update, inserting);
  if (Object.keys(modifier).length === 0) return doc;
  const target = cloneView(view);
  let changed: string[];
  try {
    changed = applyModifier(target, modifier as Modifier<Doc>, arrayFilters.map(docView), docView(filter));
  } catch (error) {
    // mingo refuses an _id change itself; MongoDB's code for that is ImmutableField.
    if (error instanceof Error && error.message.includes("immutable field")) throw immutableField(error.message);
    throw asCommandError(error);
  }
  return changed.length ? (restoreTypes(target, doc, argKinds) as Doc) : doc;
}

function applyPipeline(entry: Entry, pipeline: Doc[]): Doc {
  try {
    const [result] = aggregate([cloneView(entry.view)], pipeline.map(docView));
    return restoreTypes(result, entry.doc, new Map()) as Doc;
  } catch (error) {
    throw asCommandError(error);
  }
}

/** `_id` first, as MongoDB stores it. */
function idFirst(id: unknown, doc: Doc): Doc {
  const { _id: _ignored, ...rest } = doc;
  return { _id: id, ...rest };
}

/** The updated document (the same object when nothing changed). Throws when `_id` would change. */
export function applyUpdate(entry: Entry, update: UpdateSpec, filter: Doc, arrayFilters: Doc[] = []): Doc {
  let next: Doc;
  if (Array.isArray(update)) next = applyPipeline(entry, update);
  else if (isOperatorUpdate(update)) next = applyOperators(entry.doc, entry.view, update, filter, arrayFilters, false);
  else {
    if ("_id" in update && valueKey(update._id) !== valueKey(entry.doc._id))
      throw immutableField(`After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${String(update._id)}`);
    next = idFirst(entry.doc._id, update);
  }
  if (next !== entry.doc && valueKey(next._id) !== valueKey(entry.doc._id))
    throw immutableField("Performing an update on the path '_id' would modify the immutable field '_id'");
  return next;
}

/**
 * An upsert's new document: a replacement keeps only the filter's `_id`; operators start from the filter's
 * equality fields (so `{_id: x, $or: [...]}` inserts `_id: x` and collides with a stored x that did not match).
 */
export function upsertDocument(filter: Doc, update: UpdateSpec, arrayFilters: Doc[] = []): Doc {
  const base = equalityFields(filter);
  let doc: Doc;
  if (Array.isArray(update)) {
    doc = applyPipeline({ doc: base, view: docView(base) }, update);
  } else if (isOperatorUpdate(update)) {
    doc = applyOperators(base, docView(base), update, {}, arrayFilters, true);
  } else {
    if ("_id" in update && "_id" in base && valueKey(update._id) !== valueKey(base._id))
      throw immutableField("The _id field cannot be changed in an upsert's replacement");
    doc = { ...update };
    if ("_id" in base && !("_id" in doc)) doc._id = base._id;
  }
  return idFirst("_id" in doc ? doc._id : new ObjectId(), doc);
}

/** Whether an update changed the stored bytes (MongoDB's nModified counts only those). */
export function changed(before: Doc, after: Doc): boolean {
  return after !== before && Buffer.compare(BSON.serialize(before), BSON.serialize(after)) !== 0;
}

export function checkUpdate(update: unknown): UpdateSpec {
  if (Array.isArray(update) && update.every(isPlainObject)) return update;
  if (isPlainObject(update)) return update;
  throw typeMismatch("Update argument must be either an object or an array");
}
