/**
 * Values as the Firestore REST API spells them (proto3 JSON), which is also how the stand-in stores them: the
 * change events need that format anyway, and one representation keeps the write, query and event code simple.
 * Stored values are never mutated; every change builds new objects.
 */
import type { Value as ProtoValue } from "@firestore-emulator/proto/dist/google/firestore/v1/document.js";

export type RestValue =
  | { nullValue: null }
  | { booleanValue: boolean }
  | { integerValue: string }
  | { doubleValue: number }
  | { timestampValue: string }
  | { stringValue: string }
  | { bytesValue: string }
  | { referenceValue: string }
  | { geoPointValue: { latitude: number; longitude: number } }
  | { arrayValue: { values: RestValue[] } }
  | { mapValue: { fields: RestFields } };

export type RestFields = Record<string, RestValue>;

/** google.firestore.v1.Document in proto3 JSON. */
export interface RestDocument {
  name: string;
  fields: RestFields;
  createTime: string;
  updateTime: string;
}

export interface ProtoTimestamp {
  seconds: number;
  nanos: number;
}

export function fromProtoValue(value: ProtoValue): RestValue {
  if (value.has_null_value) return { nullValue: null };
  if (value.has_boolean_value) return { booleanValue: value.boolean_value };
  if (value.has_integer_value) return { integerValue: String(value.integer_value) };
  if (value.has_double_value) return { doubleValue: value.double_value };
  if (value.has_timestamp_value) return { timestampValue: timestampToIso(value.timestamp_value) };
  if (value.has_string_value) return { stringValue: value.string_value };
  if (value.has_bytes_value) return { bytesValue: Buffer.from(value.bytes_value).toString("base64") };
  if (value.has_reference_value) return { referenceValue: value.reference_value };
  if (value.has_geo_point_value) {
    const { latitude, longitude } = value.geo_point_value;
    return { geoPointValue: { latitude, longitude } };
  }
  if (value.has_array_value) return { arrayValue: { values: value.array_value.values.map(fromProtoValue) } };
  if (value.has_map_value) return { mapValue: { fields: fromProtoFields(value.map_value.fields) } };
  throw new Error(`unsupported Firestore value ${JSON.stringify(value.toObject())}`);
}

export function fromProtoFields(fields: Map<string, ProtoValue>): RestFields {
  const out: RestFields = {};
  for (const [key, value] of fields) out[key] = fromProtoValue(value);
  return out;
}

/** The plain-object shape the proto classes' fromObject() accepts. */
export type ProtoValueObject = ReturnType<ProtoValue["toObject"]>;

export function toProtoValue(value: RestValue): ProtoValueObject {
  if ("nullValue" in value) return { null_value: 0 };
  if ("booleanValue" in value) return { boolean_value: value.booleanValue };
  // int64 travels as a JS number through this proto library: exact up to 2^53.
  if ("integerValue" in value) return { integer_value: Number(value.integerValue) };
  if ("doubleValue" in value) return { double_value: value.doubleValue };
  if ("timestampValue" in value) return { timestamp_value: isoToTimestamp(value.timestampValue) };
  if ("stringValue" in value) return { string_value: value.stringValue };
  if ("bytesValue" in value) return { bytes_value: Buffer.from(value.bytesValue, "base64") };
  if ("referenceValue" in value) return { reference_value: value.referenceValue };
  if ("geoPointValue" in value) return { geo_point_value: { ...value.geoPointValue } };
  if ("arrayValue" in value) return { array_value: { values: value.arrayValue.values.map(toProtoValue) } };
  return { map_value: { fields: toProtoFields(value.mapValue.fields) } };
}

export function toProtoFields(fields: RestFields): Record<string, ProtoValueObject> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, toProtoValue(value)]));
}

/** proto3 JSON timestamps carry 0, 3, 6 or 9 fractional digits. */
export function timestampToIso({ seconds, nanos }: ProtoTimestamp): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${base}Z`;
  const digits = String(nanos).padStart(9, "0");
  const trimmed = nanos % 1_000_000 === 0 ? digits.slice(0, 3) : nanos % 1000 === 0 ? digits.slice(0, 6) : digits;
  return `${base}.${trimmed}Z`;
}

/** Commit times always carry 6 digits, so they also order correctly as strings. */
export function microsToIso(micros: number): string {
  const base = new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19);
  return `${base}.${String(micros % 1_000_000).padStart(6, "0")}Z`;
}

export function isoToTimestamp(iso: string): ProtoTimestamp {
  const match = /^(.*?)(?:\.(\d{1,9}))?Z$/.exec(iso);
  if (!match?.[1]) throw new Error(`invalid timestamp ${iso}`);
  return { seconds: Date.parse(`${match[1]}Z`) / 1000, nanos: Number((match[2] ?? "").padEnd(9, "0")) };
}

export function compareTimestamps(a: string, b: string): number {
  const x = isoToTimestamp(a);
  const y = isoToTimestamp(b);
  return x.seconds - y.seconds || x.nanos - y.nanos;
}

/** Firestore's cross-type order: null < boolean < number < timestamp < string < bytes < reference < geo < array < map. */
export function typeOrder(value: RestValue): number {
  if ("nullValue" in value) return 0;
  if ("booleanValue" in value) return 1;
  if ("integerValue" in value || "doubleValue" in value) return 2;
  if ("timestampValue" in value) return 3;
  if ("stringValue" in value) return 4;
  if ("bytesValue" in value) return 5;
  if ("referenceValue" in value) return 6;
  if ("geoPointValue" in value) return 7;
  if ("arrayValue" in value) return 8;
  return 9;
}

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Firestore orders strings and bytes by their UTF-8 bytes, not by UTF-16 code units as JS does. */
const compareBytes = (a: Buffer, b: Buffer) => sign(Buffer.compare(a, b));

export function numberOf(value: RestValue): number | undefined {
  if ("integerValue" in value) return Number(value.integerValue);
  if ("doubleValue" in value) return value.doubleValue;
  return undefined;
}

function compareNumbers(a: RestValue, b: RestValue): number {
  if ("integerValue" in a && "integerValue" in b) {
    const x = BigInt(a.integerValue);
    const y = BigInt(b.integerValue);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = numberOf(a) ?? 0;
  const y = numberOf(b) ?? 0;
  // NaN sorts before every other number and equals itself.
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
  if (Number.isNaN(y)) return 1;
  return sign(x - y);
}

/** Document names compare segment by segment, so "a/b" < "a/b/c/d" < "a/bb". */
export function compareResourcePaths(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = compareSegments(x[i] ?? "", y[i] ?? "");
    if (c) return c;
  }
  return sign(x.length - y.length);
}

// Numeric ids ("__id123__", which recursiveDelete uses as the lowest key) sort before string ids, by number.
const NUMERIC_ID = /^__id(-?\d+)__$/;

function compareSegments(a: string, b: string): number {
  const x = NUMERIC_ID.exec(a)?.[1];
  const y = NUMERIC_ID.exec(b)?.[1];
  if (x !== undefined && y !== undefined) return sign(Number(BigInt(x) - BigInt(y)));
  if (x !== undefined || y !== undefined) return x !== undefined ? -1 : 1;
  return compareBytes(Buffer.from(a), Buffer.from(b));
}

export function compareValues(a: RestValue, b: RestValue): number {
  const order = typeOrder(a) - typeOrder(b);
  if (order) return sign(order);
  if ("booleanValue" in a && "booleanValue" in b) return sign(Number(a.booleanValue) - Number(b.booleanValue));
  if (order === 0 && typeOrder(a) === 2) return compareNumbers(a, b);
  if ("timestampValue" in a && "timestampValue" in b) return sign(compareTimestamps(a.timestampValue, b.timestampValue));
  if ("stringValue" in a && "stringValue" in b) return compareBytes(Buffer.from(a.stringValue), Buffer.from(b.stringValue));
  if ("bytesValue" in a && "bytesValue" in b) {
    return compareBytes(Buffer.from(a.bytesValue, "base64"), Buffer.from(b.bytesValue, "base64"));
  }
  if ("referenceValue" in a && "referenceValue" in b) return compareResourcePaths(a.referenceValue, b.referenceValue);
  if ("geoPointValue" in a && "geoPointValue" in b) {
    const x = a.geoPointValue;
    const y = b.geoPointValue;
    return sign(x.latitude - y.latitude) || sign(x.longitude - y.longitude);
  }
  if ("arrayValue" in a && "arrayValue" in b) return compareLists(a.arrayValue.values, b.arrayValue.values);
  if ("mapValue" in a && "mapValue" in b) return compareMaps(a.mapValue.fields, b.mapValue.fields);
  return 0;
}

function compareLists(a: RestValue[], b: RestValue[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i] as RestValue, b[i] as RestValue);
    if (c) return c;
  }
  return sign(a.length - b.length);
}

function compareMaps(a: RestFields, b: RestFields): number {
  const x = Object.keys(a).sort();
  const y = Object.keys(b).sort();
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const keyA = x[i] as string;
    const keyB = y[i] as string;
    const c = compareBytes(Buffer.from(keyA), Buffer.from(keyB)) || compareValues(a[keyA] as RestValue, b[keyB] as RestValue);
    if (c) return c;
  }
  return sign(x.length - y.length);
}

export const valuesEqual = (a: RestValue, b: RestValue) => compareValues(a, b) === 0;

export const isNaNValue = (value: RestValue) => "doubleValue" in value && Number.isNaN(value.doubleValue);

/** A stored document in the plain-object shape Document.fromObject() takes. */
export function toProtoDocument(doc: RestDocument) {
  return {
    name: doc.name,
    fields: toProtoFields(doc.fields),
    create_time: isoToTimestamp(doc.createTime),
    update_time: isoToTimestamp(doc.updateTime),
  };
}
