/**
 * Two forms of every document. The stored form is what bson deserialised with `promoteValues: false`: numbers stay
 * Int32/Double/Long objects, so what a client wrote is what it reads back, type and all. mingo compares plain JS
 * numbers only (it orders an Int32 against a Double by type name), so queries, sorts and updates run over a view
 * with those numbers unwrapped; after an update, restoreTypes() puts each number back into its BSON type.
 */
import { Double, Int32, Long, type Document } from "bson";

export type Doc = Document;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export type NumberKind = "int" | "long" | "double";

export function isPlainObject(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

export function numberKind(value: unknown): NumberKind | undefined {
  if (value instanceof Int32) return "int";
  if (value instanceof Double) return "double";
  if (value instanceof Long) return "long";
  return undefined;
}

/** The value mingo sees: BSON numbers as JS numbers (a Long beyond 2^53 loses precision), the rest unchanged. */
export function toView(value: unknown): unknown {
  if (value instanceof Int32 || value instanceof Double) return value.value;
  if (value instanceof Long) return value.toNumber();
  if (Array.isArray(value)) return value.map(toView);
  if (isPlainObject(value)) {
    const view: Doc = {};
    for (const key of Object.keys(value)) view[key] = toView(value[key]);
    return view;
  }
  return value;
}

/** A plain copy of a view's arrays and documents: mingo update operators and some pipeline stages write into nested input documents. */
export function cloneView<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneView) as T;
  if (isPlainObject(value)) {
    const copy: Doc = {};
    for (const key of Object.keys(value)) copy[key] = cloneView(value[key]);
    return copy as T;
  }
  return value;
}

export function docView(doc: Doc): Doc {
  return toView(doc) as Doc;
}

/**
 * The stored form of an updated view: a number equal to the old value keeps the old BSON type; a changed number
 * takes MongoDB's arithmetic result type (double beats long beats int; an int that overflows becomes a long) from
 * the old value and the operator's argument (`argKinds`, by dotted path). Non-numbers pass through.
 */
export function restoreTypes(view: unknown, old: unknown, argKinds: Map<string, NumberKind>, path = ""): unknown {
  if (typeof view === "number") return typedNumber(view, old, argKinds.get(path));
  if (Array.isArray(view)) {
    const oldArray = Array.isArray(old) ? old : [];
    return view.map((item, i) => restoreTypes(item, oldArray[i], argKinds, path ? `${path}.${i}` : String(i)));
  }
  if (isPlainObject(view)) {
    const oldDoc = isPlainObject(old) ? old : {};
    const doc: Doc = {};
    for (const key of Object.keys(view)) doc[key] = restoreTypes(view[key], oldDoc[key], argKinds, path ? `${path}.${key}` : key);
    return doc;
  }
  return view;
}

function typedNumber(value: number, old: unknown, argKind: NumberKind | undefined): unknown {
  const oldKind = numberKind(old);
  if (oldKind && Object.is(toView(old), value)) return old;
  const kinds = [oldKind, argKind];
  if (!Number.isInteger(value) || kinds.includes("double")) return new Double(value);
  if (kinds.includes("long")) return Long.fromNumber(value);
  if (kinds.includes("int")) return value >= INT32_MIN && value <= INT32_MAX ? new Int32(value) : Long.fromNumber(value);
  return value; // no type to keep: bson picks int32 or double as the driver would
}

/** A canonical key under which equal values collide, as in a unique index (1, 1.0 and 1L are one key). */
export function valueKey(value: unknown): string {
  const view = toView(value);
  return keyOf(view);
}

function keyOf(view: unknown): string {
  if (view === undefined || view === null) return "null";
  if (typeof view === "number") return `n:${view}`;
  if (typeof view === "string") return `s:${view}`;
  if (typeof view === "boolean") return `b:${view}`;
  if (view instanceof Date) return `d:${view.getTime()}`;
  if (Array.isArray(view)) return `[${view.map(keyOf).join(",")}]`;
  if (isPlainObject(view)) return `{${Object.keys(view).map((k) => `${JSON.stringify(k)}:${keyOf(view[k])}`).join(",")}}`;
  const type = (view as { _bsontype?: string })._bsontype ?? (view as object).constructor?.name ?? "object";
  return `${type}:${String(view)}`;
}

/** A value as MongoDB prints it in a duplicate key message: `"a"`, `ObjectId('…')`, `5`, `new Date(0)`. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (value instanceof Int32 || value instanceof Double || value instanceof Long) return value.toString();
  if (Array.isArray(value)) return `[ ${value.map(formatValue).join(", ")} ]`;
  if (isPlainObject(value)) return formatFields(value);
  const type = (value as { _bsontype?: string })._bsontype;
  return type ? `${type}('${String(value)}')` : String(value);
}

export function formatFields(doc: Doc): string {
  const fields = Object.keys(doc).map((key) => `${key}: ${formatValue(doc[key])}`);
  return fields.length ? `{ ${fields.join(", ")} }` : "{}";
}

/** Reads a dotted path through nested documents (no array traversal: index keys on arrays are a known gap). */
export function getPath(doc: Doc, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Doc)[part];
  }
  return value;
}

export function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split(".");
  let target = doc;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(target[part])) target[part] = {};
    target = target[part] as Doc;
  }
  target[parts[parts.length - 1]!] = value;
}

/**
 * The fields an upsert's insert starts from: the filter's equalities (`{a: 1}`, `{a: {$eq: 1}}`, inside `$and`),
 * as MongoDB does; `$or`, ranges and other operators contribute nothing.
 */
export function equalityFields(filter: Doc, into: Doc = {}): Doc {
  for (const key of Object.keys(filter)) {
    const value = filter[key];
    if (key === "$and" && Array.isArray(value)) {
      for (const clause of value) if (isPlainObject(clause)) equalityFields(clause, into);
    } else if (!key.startsWith("$")) {
      if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith("$"))) {
        if ("$eq" in value) setPath(into, key, value.$eq);
      } else {
        setPath(into, key, value);
      }
    }
  }
  return into;
}
