/**
 * Comparing a document's Firestore state with a sink's copy. Pure: content hashes of canonical JSON and the verdict.
 * Hashes compare content regardless of key order (Mongo and Cosmos keep their own field order).
 */
import { createHash } from "node:crypto";
import type { JsonObject, JsonValue } from "../envelope.js";

/** JSON with object keys sorted at every level, so equal content has one text. */
export function canonicalJson(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const fields = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(value);
}

export function contentHash(content: JsonObject): string {
  return createHash("sha256").update(canonicalJson(content)).digest("hex");
}

/** A copy of `content` without the given (system) fields. */
export function without(content: JsonObject, fields: ReadonlySet<string>): JsonObject {
  return Object.fromEntries(Object.entries(content).filter(([key]) => !fields.has(key)));
}

/** What the sink should hold for a document: the mapper's output from the current Firestore data. */
export interface Expected {
  path: string;
  version: string;
  hash: string;
}

/** What the sink holds for a document. */
export interface Held {
  version: string;
  deleted: boolean;
  hash: string;
}

/**
 * - missing: absent or tombstoned in the sink while Firestore has it;
 * - stale: the sink's version is older than Firestore's update time;
 * - changed: the same version with other content — a corrupted or hand-edited copy; reported as stale too.
 * A newer version in the sink is a change that happened after Firestore's page was read: the next run sees it.
 */
export type Verdict = "ok" | "missing" | "stale" | "changed";

export function verdictOf(expected: Expected, held: Held | undefined): Verdict {
  if (!held || held.deleted) return "missing";
  if (held.version < expected.version) return "stale";
  if (held.version > expected.version) return "ok";
  return held.hash === expected.hash ? "ok" : "changed";
}
