/**
 * Names Firestore reserves: collection ids, document ids and field names matching `__.*__` ("Usage and limits":
 * constraints on collection IDs, document IDs and field names). Firestore refuses a request naming one with
 * INVALID_ARGUMENT; the package accepted them, so a product bug that let such a name through went unnoticed locally.
 * Messages are Firestore's: the id messages as production answers them, the field message as the official
 * emulator does (production's wording for fields is not published).
 */
import { status } from "@grpc/grpc-js";
import { FirestoreError } from "./apply-write.ts";
import type { RestFields, RestValue } from "./values.ts";

const DOCUMENTS_MARKER = "/documents";
// Datastore's numeric ids, which Firestore exposes as __id<int64>__ and accepts as document ids.
const NUMERIC_ID = /^__id(-?\d+)__$/;
const INT64_MAX = 2n ** 63n - 1n;

export const isReserved = (name: string) => name.length >= 4 && name.startsWith("__") && name.endsWith("__");

const invalid = (message: string) => new FirestoreError(status.INVALID_ARGUMENT, message);

export function checkCollectionId(id: string): void {
  if (isReserved(id)) throw invalid(`Collection id "${id}" is invalid because it is reserved.`);
}

export function checkDocumentId(id: string): void {
  if (!isReserved(id)) return;
  if (!id.startsWith("__id")) throw invalid(`Resource id "${id}" is invalid because it is reserved.`);
  const digits = NUMERIC_ID.exec(id)?.[1];
  const long = digits === undefined ? undefined : BigInt(digits);
  if (long === undefined || long > INT64_MAX || long < -INT64_MAX - 1n) {
    throw invalid(`A long document ID string must be formatted like '__id{LONG}__', where LONG is a 64-bit integer. Found: '${id}'.`);
  }
  if (long === 0n) throw invalid("Document ID of type long must be non-zero");
}

/** A document name or a parent (the database root or a document): its path alternates collection and document ids. */
export function checkResourcePath(name: string): void {
  const at = name.indexOf(DOCUMENTS_MARKER);
  if (at < 0) return;
  const path = name.slice(at + DOCUMENTS_MARKER.length + 1);
  if (!path) return;
  path.split("/").forEach((segment, i) => (i % 2 === 0 ? checkCollectionId(segment) : checkDocumentId(segment)));
}

/** Every field name at any depth; a vector (`{__type__: "__vector__", value}`) is how vectors travel, not a field. */
export function checkFields(fields: RestFields): void {
  for (const [name, value] of Object.entries(fields)) {
    if (isReserved(name)) throw invalid(`field name ${name} is reserved`);
    checkValue(value);
  }
}

function checkValue(value: RestValue): void {
  if ("arrayValue" in value) value.arrayValue.values.forEach(checkValue);
  else if ("mapValue" in value && !isVector(value.mapValue.fields)) checkFields(value.mapValue.fields);
}

function isVector(fields: RestFields): boolean {
  const type = fields["__type__"];
  return type !== undefined && "stringValue" in type && type.stringValue === "__vector__";
}
