/**
 * What a fuzzed payload can be on the wire of the callable protocol, and how it is written into the request body.
 * JSON.stringify cannot write everything a hostile client can send: `-0` (it writes `0`), nesting deeper than its
 * recursion allows, and keys such as `__proto__` survive only as own properties. NaN and ±Infinity have no JSON form
 * at all; a client sends them through the protocol's number encodings, which firebase-functions decodes.
 */

/** JSON text put into the body as is (nesting tens of thousands deep, built as text). */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export type WireValue = null | boolean | number | string | RawJson | WireValue[] | { [key: string]: WireValue };

/**
 * The callable protocol's encodings of 64-bit integers (firebase-functions `decode`: parseFloat of `value`), which
 * the Android and iOS SDKs send for longs; parseFloat also reads "NaN", "Infinity" and "1e999".
 */
export const INT64_TYPE = "type.googleapis.com/google.protobuf.Int64Value";
export const UINT64_TYPE = "type.googleapis.com/google.protobuf.UInt64Value";
/** Not decoded by firebase-functions: a client that sends it must get a clean refusal, not a crash. */
export const DOUBLE_TYPE = "type.googleapis.com/google.protobuf.DoubleValue";

export function encodedNumber(type: string, value: WireValue): WireValue {
  return { "@type": type, value };
}

/** `[[[…0…]]]` or `{"a":{"a":…0…}}`, `depth` levels. */
export function deepNesting(depth: number, kind: "array" | "object"): RawJson {
  return kind === "array" ? new RawJson(`${"[".repeat(depth)}0${"]".repeat(depth)}`) : new RawJson(`${'{"a":'.repeat(depth)}0${"}".repeat(depth)}`);
}

/** An own, enumerable property, even for `__proto__` (plain assignment would set the prototype instead). */
export function withField(target: { [key: string]: WireValue }, key: string, value: WireValue): { [key: string]: WireValue } {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

/** The request body: `{"data": …}` written by hand so that -0, raw text and every own key go through. */
export function callableBody(data: WireValue): string {
  return `{"data":${toJsonText(data)}}`;
}

export function toJsonText(value: WireValue): string {
  if (value instanceof RawJson) return value.text;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${value} has no JSON form; send it encoded (encodedNumber)`);
    return Object.is(value, -0) ? "-0" : JSON.stringify(value);
  }
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
  return `{${Object.entries(value)
    .map(([key, item]) => `${JSON.stringify(key)}:${toJsonText(item)}`)
    .join(",")}}`;
}

/** Byte length of the body a payload makes (the callables refuse bodies over 64 KiB). */
export function bodyBytes(data: WireValue): number {
  return Buffer.byteLength(callableBody(data));
}
