/**
 * Dotted field paths ("stats.count", "`a.b`.c") read and written inside a document's fields. The package only
 * handles top-level names, which is why dotted updates, nested transforms and nested filters failed.
 */
import type { RestFields, RestValue } from "./values.ts";

/** Splits a Firestore field path; backquoted segments may contain dots, with \` and \\ escaped. */
export function parseFieldPath(path: string): string[] {
  const segments: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < path.length; i++) {
    const char = path[i] as string;
    if (quoted && char === "\\") current += path[++i] ?? "";
    else if (char === "`") quoted = !quoted;
    else if (char === "." && !quoted) {
      segments.push(current);
      current = "";
    } else current += char;
  }
  segments.push(current);
  return segments;
}

export function getAt(fields: RestFields, path: string[]): RestValue | undefined {
  let value: RestValue | undefined = { mapValue: { fields } };
  for (const segment of path) {
    if (!value || !("mapValue" in value) || !Object.hasOwn(value.mapValue.fields, segment)) return undefined;
    value = value.mapValue.fields[segment];
  }
  return value;
}

export const getField = (fields: RestFields, path: string) => getAt(fields, parseFieldPath(path));

/** Returns new fields with `value` at `path`, creating (or replacing non-map) parents as Firestore does. */
export function setAt(fields: RestFields, path: string[], value: RestValue): RestFields {
  const [head, ...rest] = path;
  if (head === undefined) return fields;
  if (rest.length === 0) return { ...fields, [head]: value };
  const child = fields[head];
  const childFields = child && "mapValue" in child ? child.mapValue.fields : {};
  return { ...fields, [head]: { mapValue: { fields: setAt(childFields, rest, value) } } };
}

/** Returns new fields without `path`; a missing path leaves the fields unchanged. */
export function deleteAt(fields: RestFields, path: string[]): RestFields {
  const [head, ...rest] = path;
  if (head === undefined || !Object.hasOwn(fields, head)) return fields;
  if (rest.length === 0) {
    const { [head]: _removed, ...kept } = fields;
    return kept;
  }
  const child = fields[head];
  if (!child || !("mapValue" in child)) return fields;
  return { ...fields, [head]: { mapValue: { fields: deleteAt(child.mapValue.fields, rest) } } };
}

/** Keeps only the listed paths (a read mask or a query projection). */
export function projectFields(fields: RestFields, paths: string[]): RestFields {
  let out: RestFields = {};
  for (const path of paths) {
    const segments = parseFieldPath(path);
    const value = getAt(fields, segments);
    if (value !== undefined) out = setAt(out, segments, value);
  }
  return out;
}
