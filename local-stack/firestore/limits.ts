/**
 * The limits of Firestore that a product can reach by writing ("Usage and limits", Firestore documentation), enforced
 * here so that a test can see the failure: a product that grows a document without bound passes every test on a store
 * that accepts anything, and halts in production. Each check answers as Firestore does, INVALID_ARGUMENT.
 *
 * - Document size: 1 MiB, counted as "Storage size calculations" counts it (name, field names, values, +32 bytes).
 * - Index entries per document: 40,000, counted as "Index entry count" counts the automatic single-field indexes,
 *   minus the fields that `firestore.indexes.json` exempts, plus one entry per matching composite index.
 * - Depth of maps and arrays: 20.
 * - Request size: 10 MiB (a commit or a batch write, as sent).
 */
import { status } from "@grpc/grpc-js";
import { FirestoreError } from "./apply-write.ts";
import type { RestFields, RestValue } from "./values.ts";

/** Firestore: maximum size for a document, 1 MiB (1,048,576 bytes). */
export const MAX_DOCUMENT_BYTES = 1_048_576;
/** Firestore: maximum number of index entries for each document, 40,000. */
export const MAX_INDEX_ENTRIES = 40_000;
/** Firestore: maximum depth of fields in a map or array, 20. */
export const MAX_DEPTH = 20;
/** Firestore: maximum API request size, 10 MiB. */
export const MAX_REQUEST_BYTES = 10 * 1_048_576;

/** The parts of `firestore.indexes.json` that decide index entries. */
export interface IndexConfig {
  indexes?: { collectionGroup: string; fields: { fieldPath: string }[] }[];
  fieldOverrides?: { collectionGroup: string; fieldPath: string; indexes: unknown[] }[];
}

const invalid = (message: string) => new FirestoreError(status.INVALID_ARGUMENT, message);
const utf8 = (text: string) => Buffer.byteLength(text, "utf8");

/** "Storage size calculations": each segment of the path (UTF-8 bytes + 1) plus 16. */
export function documentNameSize(relativePath: string): number {
  return relativePath.split("/").reduce((sum, segment) => sum + utf8(segment) + 1, 0) + 16;
}

function valueSize(value: RestValue): number {
  if ("nullValue" in value || "booleanValue" in value) return 1;
  if ("integerValue" in value || "doubleValue" in value || "timestampValue" in value) return 8;
  if ("stringValue" in value) return utf8(value.stringValue) + 1;
  if ("bytesValue" in value) return Buffer.from(value.bytesValue, "base64").length;
  if ("referenceValue" in value) return documentNameSize(relativeName(value.referenceValue));
  if ("geoPointValue" in value) return 16;
  if ("arrayValue" in value) return value.arrayValue.values.reduce((sum, item) => sum + valueSize(item), 0);
  return fieldsSize(value.mapValue.fields);
}

function fieldsSize(fields: RestFields): number {
  return Object.entries(fields).reduce((sum, [name, value]) => sum + utf8(name) + 1 + valueSize(value), 0);
}

/** A document's storage size: its name, its fields, and 32 bytes. */
export function documentSize(relativePath: string, fields: RestFields): number {
  return documentNameSize(relativePath) + fieldsSize(fields) + 32;
}

/**
 * Index entries of a document in `collectionGroup`: two (ascending, descending) for every field that is neither a map
 * nor an array, at any depth inside maps; one array-contains entry per distinct element of an array; nothing under a
 * field path an override exempts (a map's exemption covers its subfields); one entry per composite index whose
 * fields the document has.
 */
export function indexEntries(collectionGroup: string, fields: RestFields, config: IndexConfig = {}): number {
  const exempt = new Set(
    (config.fieldOverrides ?? [])
      .filter((override) => override.collectionGroup === collectionGroup && override.indexes.length === 0)
      .map((override) => override.fieldPath),
  );
  const count = (path: string, value: RestValue): number => {
    if (exempt.has(path)) return 0;
    if ("mapValue" in value) return Object.entries(value.mapValue.fields).reduce((sum, [name, inner]) => sum + count(`${path}.${name}`, inner), 0);
    if ("arrayValue" in value) return new Set(value.arrayValue.values.map((item) => JSON.stringify(item))).size;
    return 2;
  };
  const single = Object.entries(fields).reduce((sum, [name, value]) => sum + count(name, value), 0);
  const composite = (config.indexes ?? []).filter(
    (index) => index.collectionGroup === collectionGroup && index.fields.every((field) => valueAt(fields, field.fieldPath) !== undefined),
  ).length;
  return single + composite;
}

function valueAt(fields: RestFields, path: string): RestValue | undefined {
  let current: RestValue | undefined = { mapValue: { fields } };
  for (const segment of path.split(".")) {
    current = current && "mapValue" in current ? current.mapValue.fields[segment] : undefined;
  }
  return current;
}

function depth(value: RestValue): number {
  if ("mapValue" in value) return 1 + Math.max(0, ...Object.values(value.mapValue.fields).map(depth));
  if ("arrayValue" in value) return 1 + Math.max(0, ...value.arrayValue.values.map(depth));
  return 0;
}

/** Refuses a document that Firestore would refuse to store. `name` is the full resource name. */
export function checkDocumentLimits(name: string, fields: RestFields, config: IndexConfig = {}): void {
  const path = relativeName(name);
  for (const [field, value] of Object.entries(fields)) {
    if (depth(value) > MAX_DEPTH) throw invalid(`Property ${field} contains an entity that is nested more than ${MAX_DEPTH} levels deep.`);
  }
  const size = documentSize(path, fields);
  if (size > MAX_DOCUMENT_BYTES) {
    throw invalid(`Document '${name}' cannot be written because its size (${size.toLocaleString("en-US")} bytes) exceeds the maximum allowed size of ${MAX_DOCUMENT_BYTES.toLocaleString("en-US")} bytes.`);
  }
  const segments = path.split("/");
  const entries = indexEntries(segments[segments.length - 2] ?? "", fields, config);
  if (entries > MAX_INDEX_ENTRIES) throw invalid(`too many index entries for entity (${entries} > ${MAX_INDEX_ENTRIES}): ${name}`);
}

/** Refuses a request larger than Firestore takes. */
export function checkRequestSize(bytes: number): void {
  if (bytes > MAX_REQUEST_BYTES) throw invalid(`Request payload size exceeds the limit: ${MAX_REQUEST_BYTES} bytes.`);
}

function relativeName(name: string): string {
  const at = name.indexOf("/documents/");
  return at < 0 ? name : name.slice(at + "/documents/".length);
}
