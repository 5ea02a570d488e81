/**
 * Envelope → MongoDB document: one collection per Firestore collection, `_id` = the document path, the Firestore
 * fields at the top level beside `_v` (the version) and `_deleted`. A delete becomes a version-stamped tombstone,
 * so a late, older update cannot bring the document back.
 */
import type { ChangeEnvelope, JsonObject } from "../envelope.js";

/** Field names the mirror uses itself; a Firestore field with one of these names is stored as `f_<name>`. */
export const RESERVED_FIELDS = new Set(["_id", "_v", "_deleted", "_path", "_collection"]);

export type MongoMirrorDoc = JsonObject & { _id: string; _v: string; _deleted: boolean };

export function mongoDocument(envelope: ChangeEnvelope): MongoMirrorDoc {
  const base = { _id: envelope.documentPath, _v: envelope.version, _path: envelope.documentPath, _collection: envelope.collection };
  if (!envelope.after) return { ...base, _deleted: true };
  const fields = Object.fromEntries(Object.entries(envelope.after).map(([key, value]) => [RESERVED_FIELDS.has(key) ? `f_${key}` : key, value]));
  return { ...fields, ...base, _deleted: false };
}
