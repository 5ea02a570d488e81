/**
 * `onCallable`: firebase-functions' `onCall`, with the request's `data` screened before firebase-functions decodes it.
 *
 * firebase-functions decodes `data` before any handler runs (common/providers/https `decode`), and two kinds of
 * payload make it throw, so that the client gets INTERNAL (and the payload is logged as it came): a `@type` object it
 * cannot decode — a type other than Int64Value/UInt64Value, or one whose `value` parseFloat reads as NaN — and
 * nesting deep enough to overflow its recursion (a few thousand levels fit in a 64 KiB body). So the screen replaces
 * each such value by null and remembers where it was; the callable wrapper (callable.ts) then refuses the call with
 * INVALID_ARGUMENT naming those fields, after auth and App Check like any invalid payload. It also names own
 * `__proto__` keys, which decode would turn into the decoded object's prototype, out of the strict schemas' sight.
 */
import { onCall, type CallableOptions, type CallableRequest } from "firebase-functions/https";
import type { FieldIssue } from "./errors.js";

/** The number encodings firebase-functions decodes (its LONG_TYPE and UNSIGNED_LONG_TYPE). */
const DECODABLE_TYPES = new Set(["type.googleapis.com/google.protobuf.Int64Value", "type.googleapis.com/google.protobuf.UInt64Value"]);

/** Deepest nesting accepted; API.md payloads nest four levels at most (submitAnswer answer.pairs[i].left). */
export const MAX_DEPTH = 32;

/** What the screen found in a request, by request: read by the callable wrapper. */
const screened = new WeakMap<object, FieldIssue[]>();

/** onCall(options, handler), screening `data` first (see above). Register every callable with it. */
export function onCallable<Out>(options: CallableOptions, handler: (request: CallableRequest<unknown>) => Promise<Out>) {
  const registered = onCall(options, handler);
  const screening = (req: Parameters<typeof registered>[0], res: Parameters<typeof registered>[1]) => {
    screenRequest(req);
    return registered(req, res);
  };
  // The deploy manifest (__endpoint), run() and the rest stay as onCall made them.
  const { length: _length, name: _name, prototype: _prototype, ...properties } = Object.getOwnPropertyDescriptors(registered);
  return Object.defineProperties(screening, properties) as unknown as typeof registered;
}

/** The issues the screen found in this request, if any. */
export function screenedIssues(rawRequest: object | undefined): FieldIssue[] | undefined {
  return rawRequest ? screened.get(rawRequest) : undefined;
}

/** Screens `req.body.data` in place. */
export function screenRequest(req: { body?: unknown }): void {
  const body = req.body;
  if (!isRecord(body) || !("data" in body)) return; // onCall itself answers INVALID_ARGUMENT "Bad Request"
  const issues: FieldIssue[] = [];
  body["data"] = screenValue(body["data"], undefined, 0, issues);
  if (issues.length) screened.set(req, issues);
}

/**
 * Where a value sits: its key and its parent's place, joined into a path only when an issue names it. Every call is
 * screened, the 5-second ping above all, and almost none has an issue: building a path array and string for every
 * object visited was most of the screen's cost.
 */
interface Place {
  parent: Place | undefined;
  key: string;
}

const pathOf = (place: Place | undefined): string => (place ? (place.parent ? `${pathOf(place.parent)}.${place.key}` : place.key) : "");

function screenValue(value: unknown, place: Place | undefined, depth: number, issues: FieldIssue[]): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) {
    issues.push({ path: pathOf(place), message: `nested deeper than ${MAX_DEPTH} levels` });
    return null;
  }
  if (!Array.isArray(value) && (value as Record<string, unknown>)["@type"]) {
    if (isDecodable(value as Record<string, unknown>)) return value;
    issues.push({ path: pathOf(place), message: "encoded value cannot be decoded" });
    return null;
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (item !== null && typeof item === "object") value[index] = screenValue(item, { parent: place, key: String(index) }, depth + 1, issues);
    }
    return value;
  }
  for (const key of Object.keys(value)) {
    if (key === "__proto__") {
      issues.push({ path: pathOf({ parent: place, key }), message: "unknown field" });
      delete (value as Record<string, unknown>)[key];
      continue;
    }
    const item = (value as Record<string, unknown>)[key];
    if (item !== null && typeof item === "object") (value as Record<string, unknown>)[key] = screenValue(item, { parent: place, key }, depth + 1, issues);
  }
  return value;
}

/** Only strings and numbers: decode's parseFloat would call any other value's toString, which a payload can break. */
function isDecodable(encoded: Record<string, unknown>): boolean {
  const type = encoded["@type"];
  const value = encoded["value"];
  return typeof type === "string" && DECODABLE_TYPES.has(type) && (typeof value === "string" || typeof value === "number") && !Number.isNaN(parseFloat(String(value)));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
