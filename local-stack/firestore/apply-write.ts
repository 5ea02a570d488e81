/**
 * One google.firestore.v1.Write applied to one document, purely: precondition, then the update (whole document, or
 * only the masked paths — a masked path absent from the data is FieldValue.delete()), then every transform.
 * Nothing is stored here, so a commit can compute all its writes first and apply them only if all succeed.
 */
import type { Write } from "@firestore-emulator/proto/dist/google/firestore/v1/write.js";
import { status } from "@grpc/grpc-js";
import { deleteAt, getAt, parseFieldPath, setAt } from "./field-paths.ts";
import { checkFields, checkResourcePath } from "./reserved.ts";
import { applyTransforms } from "./transforms.ts";
import { compareTimestamps, fromProtoFields, timestampToIso, type RestFields, type RestValue } from "./values.ts";

export interface StoredDoc {
  /** Full resource name: projects/P/databases/D/documents/... */
  name: string;
  fields: RestFields;
  createTime: string;
  updateTime: string;
}

/** An error carrying the gRPC status Firestore answers with. */
export class FirestoreError extends Error {
  readonly code: status;
  constructor(code: status, message: string) {
    super(message);
    this.code = code;
  }
}

export interface WriteOutcome {
  doc: StoredDoc | null;
  transformResults: RestValue[];
}

export function writeTarget(write: Write): string {
  if (write.has_update) return write.update.name;
  if (write.has_delete) return write.delete;
  if (write.has_transform) return write.transform.document;
  throw new FirestoreError(status.INVALID_ARGUMENT, "write has no operation");
}

export function applyWrite(current: StoredDoc | null, write: Write, commitTime: string): WriteOutcome {
  const name = writeTarget(write);
  // Firestore refuses a malformed write before it looks at the stored document.
  checkResourcePath(name);
  const data = write.has_update ? fromProtoFields(write.update.fields) : undefined;
  if (data) checkFields(data);
  checkPrecondition(current, write, name);
  if (write.has_delete) return { doc: null, transformResults: [] };

  let fields: RestFields = current?.fields ?? {};
  if (data) fields = write.has_update_mask ? applyMask(fields, data, write.update_mask.field_paths) : data;
  const transforms = write.has_transform ? write.transform.field_transforms : write.update_transforms;
  const transformed = applyTransforms(fields, transforms, commitTime);
  // A transform's field path or operand (arrayUnion of a map) can bring a reserved name of its own.
  if (transforms.length > 0) checkFields(transformed.fields);
  return {
    doc: { name, fields: transformed.fields, createTime: current?.createTime ?? commitTime, updateTime: commitTime },
    transformResults: transformed.results,
  };
}

function applyMask(fields: RestFields, data: RestFields, mask: string[]): RestFields {
  for (const path of mask) {
    const segments = parseFieldPath(path);
    const value = getAt(data, segments);
    fields = value === undefined ? deleteAt(fields, segments) : setAt(fields, segments, value);
  }
  return fields;
}

function checkPrecondition(current: StoredDoc | null, write: Write, name: string): void {
  if (!write.has_current_document) return;
  const condition = write.current_document;
  if (condition.has_exists) {
    if (condition.exists && !current) throw new FirestoreError(status.NOT_FOUND, `No document to update: ${name}`);
    if (!condition.exists && current) throw new FirestoreError(status.ALREADY_EXISTS, `Document already exists: ${name}`);
  }
  if (condition.has_update_time) {
    const expected = timestampToIso(condition.update_time);
    if (!current) throw new FirestoreError(status.NOT_FOUND, `No document to update: ${name}`);
    if (compareTimestamps(current.updateTime, expected) !== 0) {
      throw new FirestoreError(
        status.FAILED_PRECONDITION,
        `the stored version (${current.updateTime}) does not match the required base version (${expected})`,
      );
    }
  }
}
