/**
 * In-memory databases and collections. Each document is kept in both forms (values.ts) and keyed by its `_id`;
 * unique indexes (any number of top-level or dotted fields) keep a key map so a write checks them in O(1).
 */
import { Query } from "mingo";
import { UUID } from "bson";
import { CommandError, badValue, indexKeySpecsConflict, indexNotFound, indexOptionsConflict } from "./errors.ts";
import { docView, formatFields, getPath, valueKey, type Doc } from "./values.ts";

export interface Entry {
  readonly doc: Doc;
  readonly view: Doc;
}

/** As listIndexes returns it: `{v: 2, key, name, ...options}`. */
export interface IndexSpec {
  v: number;
  key: Doc;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
  [option: string]: unknown;
}

interface UniqueIndex {
  spec: IndexSpec;
  fields: string[];
  partial?: Query;
  keys: Map<string, string>; // index key -> _id key
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: "_id_" };

export class Collection {
  readonly uuid = new UUID();
  readonly entries = new Map<string, Entry>();
  readonly indexes: IndexSpec[] = [ID_INDEX];
  private readonly uniques: UniqueIndex[] = [];
  readonly ns: string;

  constructor(db: string, name: string) {
    this.ns = `${db}.${name}`;
  }

  /** Snapshot in natural (insertion) order. */
  all(): Entry[] {
    return [...this.entries.values()];
  }

  get(id: unknown): Entry | undefined {
    return this.entries.get(valueKey(id));
  }

  insert(doc: Doc): Entry {
    if (Array.isArray(doc._id)) throw badValue("can't use an array for _id");
    const idKey = valueKey(doc._id);
    if (this.entries.has(idKey)) throw this.duplicate(ID_INDEX, { _id: doc._id });
    const entry = { doc, view: docView(doc) };
    this.checkUnique(entry);
    this.addKeys(entry, idKey);
    this.entries.set(idKey, entry);
    return entry;
  }

  /** Replaces a stored document by one with the same `_id` (the caller checks that). */
  replace(old: Entry, doc: Doc): Entry {
    const idKey = valueKey(old.doc._id);
    const entry = { doc, view: docView(doc) };
    this.removeKeys(old);
    try {
      this.checkUnique(entry);
    } catch (error) {
      this.addKeys(old, idKey);
      throw error;
    }
    this.addKeys(entry, idKey);
    this.entries.set(idKey, entry);
    return entry;
  }

  remove(entry: Entry): void {
    this.removeKeys(entry);
    this.entries.delete(valueKey(entry.doc._id));
  }

  /** Adds an index; false when one with the same name and key exists. Unique indexes check the existing data. */
  createIndex(spec: IndexSpec): boolean {
    const existing = this.indexes.find((index) => index.name === spec.name);
    if (existing) {
      if (valueKey(existing.key) !== valueKey(spec.key))
        throw indexKeySpecsConflict(`An existing index has the same name as the requested index: ${spec.name}`);
      if (Boolean(existing.unique) !== Boolean(spec.unique))
        throw indexOptionsConflict(`An existing index has the same name but different options: ${spec.name}`);
      return false;
    }
    if (spec.unique && spec.name !== "_id_") {
      const unique: UniqueIndex = {
        spec,
        fields: Object.keys(spec.key),
        partial: spec.partialFilterExpression ? new Query(docView(spec.partialFilterExpression)) : undefined,
        keys: new Map(),
      };
      for (const [idKey, entry] of this.entries) {
        const key = indexKey(unique, entry);
        if (key === undefined) continue;
        if (unique.keys.has(key)) throw this.duplicate(spec, keyValue(unique, entry));
        unique.keys.set(key, idKey);
      }
      this.uniques.push(unique);
    }
    this.indexes.push(spec);
    return true;
  }

  dropIndex(name: string): void {
    const at = this.indexes.findIndex((index) => index.name === name);
    if (at < 0) throw indexNotFound(`index not found with name [${name}]`);
    if (name === "_id_") throw new CommandError(72, "InvalidOptions", "cannot drop _id index");
    this.indexes.splice(at, 1);
    const unique = this.uniques.findIndex((index) => index.spec.name === name);
    if (unique >= 0) this.uniques.splice(unique, 1);
  }

  private checkUnique(entry: Entry): void {
    for (const unique of this.uniques) {
      const key = indexKey(unique, entry);
      if (key !== undefined && unique.keys.has(key)) throw this.duplicate(unique.spec, keyValue(unique, entry));
    }
  }

  private addKeys(entry: Entry, idKey: string): void {
    for (const unique of this.uniques) {
      const key = indexKey(unique, entry);
      if (key !== undefined) unique.keys.set(key, idKey);
    }
  }

  private removeKeys(entry: Entry): void {
    for (const unique of this.uniques) {
      const key = indexKey(unique, entry);
      if (key !== undefined) unique.keys.delete(key);
    }
  }

  private duplicate(spec: IndexSpec, value: Doc): CommandError {
    return new CommandError(
      11000,
      "DuplicateKey",
      `E11000 duplicate key error collection: ${this.ns} index: ${spec.name} dup key: ${formatFields(value)}`,
      { keyPattern: { ...spec.key }, keyValue: value },
    );
  }
}

function indexKey(unique: UniqueIndex, entry: Entry): string | undefined {
  const values = unique.fields.map((field) => getPath(entry.doc, field));
  if (unique.spec.sparse && values.every((value) => value === undefined)) return undefined;
  if (unique.partial && !unique.partial.test(entry.view)) return undefined;
  return values.map(valueKey).join("|");
}

function keyValue(unique: UniqueIndex, entry: Entry): Doc {
  return Object.fromEntries(unique.fields.map((field) => [field, getPath(entry.doc, field) ?? null]));
}

export class Database {
  readonly collections = new Map<string, Collection>();
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  collection(name: string): Collection | undefined {
    return this.collections.get(name);
  }

  /** The collection, created on first write as MongoDB does. */
  ensure(name: string): Collection {
    let collection = this.collections.get(name);
    if (!collection) this.collections.set(name, (collection = new Collection(this.name, name)));
    return collection;
  }
}

export class Store {
  readonly databases = new Map<string, Database>();

  db(name: string): Database {
    let db = this.databases.get(name);
    if (!db) this.databases.set(name, (db = new Database(name)));
    return db;
  }

  clear(): void {
    this.databases.clear();
  }
}
