/**
 * Typed BigQuery views of each mirrored collection, generated from its stored document's zod schema
 * (schemas/stored.ts): what firestore-bigquery-export's `gen-schema-view` makes from schema files written by hand.
 *
 * - `{collection}_schema_latest`: one row per live document (over `{collection}_raw_latest`), one typed column per
 *   field: STRING, INT64, FLOAT64, BOOL or TIMESTAMP; a nested object's fields flattened as `parent_child`; an array
 *   or a map as its JSON text, with `path_<param>` columns for the document path's wildcards.
 * - `{collection}_schema_{field}` for each array and map field: one row per item (`position`, from 0) or entry
 *   (`key`), with the item's or value's typed column(s).
 * - The same over the changelog, one row per change (`timestamp`, `event_id`, `operation` added):
 *   `{collection}_schema_changelog` and `{collection}_schema_changelog_{field}`. The analytics views read history
 *   from these (analytics/views.ts). A change delivered twice past BigQuery's insertId window shows twice, so what
 *   reads them must not add up repeated rows (the analytics take latest values and differences, which repeat harmlessly).
 * Pure: the SQL only; the BigQuery sink creates and updates the views (sinks/bigquery.ts).
 */
import type { z } from "zod";
import { changelogTable, latestView } from "./bigquery.js";

export type ColumnType = "STRING" | "INT64" | "FLOAT64" | "BOOL" | "TIMESTAMP" | "JSON";

export interface TypedColumn {
  name: string;
  type: ColumnType;
}

export interface TypedView {
  name: string;
  sql: string;
  columns: TypedColumn[];
}

/** The zod 4 definition fields this generator reads. */
interface Def {
  type: string;
  innerType?: ZodLike;
  shape?: Record<string, ZodLike>;
  element?: ZodLike;
  valueType?: ZodLike;
}
interface ZodLike {
  _zod: { def: Def };
  format?: string | null;
  isInt?: boolean;
}

const WRAPPERS = new Set(["optional", "nullable", "default", "readonly", "nonoptional", "catch", "prefault"]);

function unwrap(schema: ZodLike): ZodLike {
  let current = schema;
  while (WRAPPERS.has(current._zod.def.type) && current._zod.def.innerType) current = current._zod.def.innerType;
  return current;
}

/** The BigQuery type of a scalar schema, or JSON for anything composite (or a union of kinds). */
export function columnTypeOf(schema: ZodLike): ColumnType {
  const inner = unwrap(schema);
  switch (inner._zod.def.type) {
    case "string":
      return inner.format === "datetime" ? "TIMESTAMP" : "STRING";
    case "enum":
    case "literal":
      return "STRING";
    case "number":
      return inner.isInt ? "INT64" : "FLOAT64";
    case "boolean":
      return "BOOL";
    default:
      return "JSON";
  }
}

/** A scalar's typed value from a JSON text and a constant JSONPath (JSON_VALUE takes only a literal path). */
function typed(jsonText: string, path: string, type: ColumnType): string {
  if (type === "JSON") return `JSON_QUERY(${jsonText}, '${path}')`;
  if (type === "STRING") return `JSON_VALUE(${jsonText}, '${path}')`;
  return `SAFE_CAST(JSON_VALUE(${jsonText}, '${path}') AS ${type})`;
}

/** A map entry's typed value: `json[key]` (a JSON subscript, since the key is not a constant). */
function typedEntry(json: string, type: ColumnType): string {
  const value = `${json}[key]`;
  switch (type) {
    case "STRING":
      return `LAX_STRING(${value})`;
    case "INT64":
      return `LAX_INT64(${value})`;
    case "FLOAT64":
      return `LAX_FLOAT64(${value})`;
    case "BOOL":
      return `LAX_BOOL(${value})`;
    case "TIMESTAMP":
      return `SAFE_CAST(LAX_STRING(${value}) AS TIMESTAMP)`;
    default:
      return `TO_JSON_STRING(${value})`;
  }
}

const isComposite = (schema: ZodLike) => ["object", "array", "record"].includes(unwrap(schema)._zod.def.type);

/** The wildcard names of a document pattern (`users/{uid}/progress/{courseId}` → uid, courseId). */
const pathParams = (pattern: string) => [...pattern.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);

export interface TypedViewOptions {
  projectId: string;
  dataset: string;
  collection: string;
  pattern: string;
  schema: z.ZodObject;
}

/** Every typed view of a collection: over its latest view, then over its changelog. */
export function typedViews(options: TypedViewOptions): TypedView[] {
  return [...viewsOver(options, "latest"), ...viewsOver(options, "changelog")];
}

function viewsOver(options: TypedViewOptions, over: "latest" | "changelog"): TypedView[] {
  const { projectId, dataset, pattern } = options;
  const history = over === "changelog";
  const prefix = history ? `${options.collection}_schema_changelog` : `${options.collection}_schema`;
  const source = `\`${projectId}.${dataset}.${history ? changelogTable(options.collection) : latestView(options.collection)}\``;
  const params = pathParams(pattern);
  const change: Selected[] = [
    { sql: "l.timestamp", column: { name: "timestamp", type: "TIMESTAMP" } },
    { sql: "l.event_id", column: { name: "event_id", type: "STRING" } },
    { sql: "l.operation", column: { name: "operation", type: "STRING" } },
  ];
  const head: Selected[] = [
    { sql: "l.document_name", column: { name: "document_name", type: "STRING" } },
    { sql: "l.document_id", column: { name: "document_id", type: "STRING" } },
    { sql: "l.version AS updated_at", column: { name: "updated_at", type: "TIMESTAMP" } },
    ...(history ? change : []),
    ...params.map((param) => ({ sql: `JSON_VALUE(l.path_params, '$.${param}') AS path_${param}`, column: { name: `path_${param}`, type: "STRING" as const } })),
  ];
  const main: Array<{ sql: string; column: TypedColumn }> = [...head];
  const views: TypedView[] = [];
  const shape = (options.schema as unknown as ZodLike)._zod.def.shape ?? {};

  for (const [field, schema] of Object.entries(shape)) {
    const inner = unwrap(schema);
    const kind = inner._zod.def.type;
    if (kind === "object") {
      // One level flattened: `device_platform`; deeper values stay JSON.
      for (const [child, childSchema] of Object.entries(inner._zod.def.shape ?? {})) {
        const type = columnTypeOf(childSchema);
        main.push({ sql: `${typed("l.data", `$.${field}.${child}`, type)} AS ${field}_${child}`, column: { name: `${field}_${child}`, type } });
      }
      continue;
    }
    const type = columnTypeOf(schema);
    main.push({ sql: `${typed("l.data", `$.${field}`, type)} AS ${field}`, column: { name: field, type } });
    if (kind === "array" && inner._zod.def.element) views.push(arrayView(source, head, prefix, field, inner._zod.def.element));
    if (kind === "record" && inner._zod.def.valueType) views.push(mapView(source, head, prefix, field, inner._zod.def.valueType));
  }
  return [view(history ? prefix : `${prefix}_latest`, source, main, ""), ...views];
}

type Selected = { sql: string; column: TypedColumn };

function view(name: string, source: string, selected: Selected[], from: string): TypedView {
  return { name, sql: `SELECT ${selected.map((s) => s.sql).join(", ")} FROM ${source} AS l${from}`, columns: selected.map((s) => s.column) };
}

function arrayView(source: string, head: Selected[], prefix: string, field: string, element: ZodLike): TypedView {
  const inner = unwrap(element);
  const values: Selected[] =
    inner._zod.def.type === "object"
      ? Object.entries(inner._zod.def.shape ?? {}).map(([child, schema]) => {
          const type = columnTypeOf(schema);
          return { sql: `${typed("item", `$.${child}`, type)} AS ${child}`, column: { name: child, type } };
        })
      : [{ sql: `${isComposite(element) ? "item" : typed("item", "$", columnTypeOf(element))} AS value`, column: { name: "value", type: columnTypeOf(element) } }];
  const position: Selected = { sql: "position", column: { name: "position", type: "INT64" } };
  return view(`${prefix}_${field}`, source, [...head, position, ...values], `, UNNEST(JSON_QUERY_ARRAY(l.data, '$.${field}')) AS item WITH OFFSET AS position`);
}

function mapView(source: string, head: Selected[], prefix: string, field: string, valueType: ZodLike): TypedView {
  const json = `PARSE_JSON(JSON_QUERY(l.data, '$.${field}'))`;
  const type = columnTypeOf(valueType);
  const key: Selected = { sql: "key", column: { name: "key", type: "STRING" } };
  const value: Selected = { sql: `${typedEntry(json, type)} AS value`, column: { name: "value", type } };
  return view(`${prefix}_${field}`, source, [...head, key, value], `, UNNEST(JSON_KEYS(${json}, 1)) AS key`);
}
