/** What a command handler gets, and small readers for command fields (which arrive with BSON number types). */
import type { Cursors } from "./cursors.ts";
import { failedToParse, typeMismatch } from "./errors.ts";
import type { Collection, Entry, Store } from "./store.ts";
import { isPlainObject, toView, valueKey, type Doc } from "./values.ts";

export interface Context {
  store: Store;
  cursors: Cursors;
  /** From `$db`. */
  db: string;
  connectionId: number;
  /** Counts documents inserted, updated or deleted. */
  wrote(documents: number): void;
}

export type Handler = (body: Doc, context: Context) => Doc;

export function numberField(value: unknown): number | undefined {
  const view = toView(value);
  return typeof view === "number" ? view : undefined;
}

export function docField(value: unknown, name: string): Doc | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw typeMismatch(`BSON field '${name}' is the wrong type, expected an object`);
  return value;
}

export function arrayField(value: unknown, name: string): Doc[] {
  if (!Array.isArray(value)) throw typeMismatch(`BSON field '${name}' is the wrong type, expected an array`);
  return value as Doc[];
}

/** The collection a command names in its first field (`{find: "users"}`). */
export function collectionName(body: Doc, command: string): string {
  const name = body[command];
  if (typeof name !== "string" || name === "") throw failedToParse(`collection name must be a non-empty string in '${command}'`);
  return name;
}

export function collectionOf(body: Doc, command: string, context: Context): Collection | undefined {
  return context.store.db(context.db).collection(collectionName(body, command));
}

/**
 * The documents a filter can match: `{_id: value, ...}` looks up one document instead of scanning (the product's
 * writes all name an `_id`); the caller still applies the whole filter.
 */
export function candidates(collection: Collection | undefined, filter: Doc | undefined): Entry[] {
  if (!collection) return [];
  const id = filter?._id;
  const operators = isPlainObject(id) && Object.keys(id).some((key) => key.startsWith("$"));
  if (filter && "_id" in filter && !operators && !(id instanceof RegExp) && !Array.isArray(id)) {
    const entry = collection.entries.get(valueKey(id));
    return entry ? [entry] : [];
  }
  return collection.all();
}
