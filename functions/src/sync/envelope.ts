/**
 * The change envelope: one Firestore change as every sink sees it. Pure.
 * Data is converted to plain JSON (timestamps as ISO strings with microseconds, references as paths, bytes as
 * base64) so that one shape serves BigQuery rows, Mongo documents and Cosmos items alike.
 */

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "IMPORT";
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface ChangeEnvelope {
  eventId: string;
  /** The collection id of the document ("progress" for users/u1/progress/c1). */
  collection: string;
  /** Path relative to the database root. */
  documentPath: string;
  documentId: string;
  pathParams: Record<string, string>;
  operation: Operation;
  before: JsonObject | null;
  after: JsonObject | null;
  /**
   * Order of changes to one document: its update time, or the event time for a delete, as an ISO string with
   * exactly six fractional digits so that versions compare as strings.
   */
  version: string;
  /** When the change happened (the event time). */
  eventTime: string;
}

/** A Firestore timestamp as the SDK gives it, or anything with seconds and nanoseconds. */
interface TimestampLike {
  seconds: number;
  nanoseconds: number;
}

export function isTimestampLike(value: unknown): value is TimestampLike & { toDate(): Date } {
  return typeof value === "object" && value !== null && "seconds" in value && "nanoseconds" in value && "toDate" in value;
}

/** ISO string with exactly six fractional digits (Firestore keeps microseconds), so versions sort as strings. */
export function versionOf(time: TimestampLike | Date | string): string {
  if (typeof time === "string") return versionOf(new Date(time));
  const seconds = time instanceof Date ? Math.floor(time.getTime() / 1000) : time.seconds;
  const micros = time instanceof Date ? (time.getTime() % 1000) * 1000 : Math.floor(time.nanoseconds / 1000);
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(micros).padStart(6, "0")}Z`;
}

/** Firestore document data → plain JSON. */
export function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (isTimestampLike(value)) return versionOf(value);
  if (value instanceof Date) return versionOf(value);
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (typeof value === "object") {
    if ("latitude" in value && "longitude" in value && Object.keys(value).length <= 2) {
      return { latitude: Number(value.latitude), longitude: Number(value.longitude) };
    }
    if ("path" in value && "firestore" in value) return String(value.path); // DocumentReference
    if ("toBase64" in value && typeof value.toBase64 === "function") return String(value.toBase64()); // Bytes
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, toJson(field)]));
  }
  return String(value);
}

export function operationOf(beforeExists: boolean, afterExists: boolean): Operation {
  if (!beforeExists) return "CREATE";
  return afterExists ? "UPDATE" : "DELETE";
}

export interface EnvelopeInput {
  eventId: string;
  eventTime: string;
  documentPath: string;
  pathParams: Record<string, string>;
  before: { exists: boolean; data?: unknown; updateTime?: TimestampLike };
  after: { exists: boolean; data?: unknown; updateTime?: TimestampLike };
  /** IMPORT for backfills: a document sent as it is, not as a change. */
  operation?: Operation;
}

export function buildEnvelope(input: EnvelopeInput): ChangeEnvelope {
  const segments = input.documentPath.split("/");
  const operation = input.operation ?? operationOf(input.before.exists, input.after.exists);
  return {
    eventId: input.eventId,
    collection: segments.at(-2) ?? "",
    documentPath: input.documentPath,
    documentId: segments.at(-1) ?? "",
    pathParams: input.pathParams,
    operation,
    before: input.before.exists ? (toJson(input.before.data ?? {}) as JsonObject) : null,
    after: input.after.exists ? (toJson(input.after.data ?? {}) as JsonObject) : null,
    version: input.after.exists && input.after.updateTime ? versionOf(input.after.updateTime) : versionOf(input.eventTime),
    eventTime: versionOf(input.eventTime),
  };
}
