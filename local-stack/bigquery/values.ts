/**
 * Values between BigQuery's REST encoding and DuckDB: column types for a table schema, streaming-insert values
 * checked and converted the way BigQuery accepts them, query parameters, and result cells encoded as the REST API
 * encodes them (every scalar a string, TIMESTAMP as int64 microseconds since the epoch).
 */
import {
  DuckDBTypeId,
  blobValue,
  dateValue,
  decimalValue,
  listValue,
  timeValue,
  timestampValue,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";

export interface FieldSchema {
  name: string;
  type: string;
  mode?: string;
  description?: string;
  fields?: FieldSchema[];
}

/** The table-column types the stand-in stores, by BigQuery type name (legacy and standard spellings). */
const COLUMN_TYPES: Record<string, { bq: string; duck: string }> = {
  STRING: { bq: "STRING", duck: "VARCHAR" },
  BYTES: { bq: "BYTES", duck: "BLOB" },
  INTEGER: { bq: "INTEGER", duck: "BIGINT" },
  INT64: { bq: "INTEGER", duck: "BIGINT" },
  FLOAT: { bq: "FLOAT", duck: "DOUBLE" },
  FLOAT64: { bq: "FLOAT", duck: "DOUBLE" },
  NUMERIC: { bq: "NUMERIC", duck: "DECIMAL(38, 9)" },
  BOOLEAN: { bq: "BOOLEAN", duck: "BOOLEAN" },
  BOOL: { bq: "BOOLEAN", duck: "BOOLEAN" },
  TIMESTAMP: { bq: "TIMESTAMP", duck: "TIMESTAMP" },
  DATE: { bq: "DATE", duck: "DATE" },
  TIME: { bq: "TIME", duck: "TIME" },
};

export class InvalidSchema extends Error {
  override name = "InvalidSchema";
}

/** Checks a table schema and returns the DuckDB column definitions. */
export function columnDefinitions(fields: FieldSchema[]): string {
  if (!fields.length) throw new InvalidSchema("Schema has no fields.");
  const seen = new Set<string>();
  return fields
    .map((field) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,299}$/.test(field.name ?? "")) throw new InvalidSchema(`Invalid field name "${field.name}".`);
      const lower = field.name.toLowerCase();
      if (seen.has(lower)) throw new InvalidSchema(`Field ${field.name} already exists in schema`);
      seen.add(lower);
      const mode = (field.mode ?? "NULLABLE").toUpperCase();
      const type = COLUMN_TYPES[(field.type ?? "").toUpperCase()];
      if (!type) throw new InvalidSchema(`Field ${field.name}: type ${field.type} is not supported by the local BigQuery stand-in`);
      if (mode !== "NULLABLE" && mode !== "REQUIRED") {
        throw new InvalidSchema(`Field ${field.name}: mode ${mode} is not supported by the local BigQuery stand-in`);
      }
      return `"${field.name}" ${type.duck}${mode === "REQUIRED" ? " NOT NULL" : ""}`;
    })
    .join(", ");
}

export const normalizeField = (field: FieldSchema): FieldSchema => ({
  ...field,
  type: COLUMN_TYPES[field.type.toUpperCase()]!.bq,
  mode: (field.mode ?? "NULLABLE").toUpperCase(),
});

// ---- timestamps ---------------------------------------------------------------------------------------------

const TIMESTAMP_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,12}))?)?)?\s*(Z|z|UTC|[+-]\d{1,2}(?::?\d{2})?)?$/;

/**
 * Microseconds since the epoch for BigQuery's canonical timestamp forms, or undefined. Digits beyond the microsecond
 * (the client writes nine for a BigQueryTimestamp) are truncated, as a TIMESTAMP column keeps microseconds.
 */
export function parseTimestamp(text: string): bigint | undefined {
  const m = TIMESTAMP_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone = "Z"] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const millis = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s));
  if (new Date(millis).getUTCDate() !== day) return undefined; // 2024-02-30
  let offsetMinutes = 0;
  if (zone !== "Z" && zone !== "z" && zone !== "UTC") {
    const z = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone)!;
    offsetMinutes = (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
  }
  return BigInt(millis - offsetMinutes * 60_000) * 1000n + BigInt(frac.slice(0, 6).padEnd(6, "0"));
}

/** "2024-05-01T12:34:56.123456Z" */
export function formatTimestamp(micros: bigint): string {
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const sub = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  return `${new Date(Number(millis)).toISOString().slice(0, 19)}.${String(sub).padStart(6, "0")}Z`;
}

// ---- streaming inserts --------------------------------------------------------------------------------------

export interface CellError {
  location: string;
  message: string;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A streaming-insert JSON value as a DuckDB value for a column of this BigQuery type, or a CellError with
 * BigQuery's wording. Null means NULL (the caller checks REQUIRED).
 */
export function insertValue(field: FieldSchema, value: unknown): DuckDBValue | CellError {
  const bad = (what: string) => ({ location: field.name, message: `Cannot convert value to ${what}: ${shown(value)}` });
  if (typeof value === "object" && value !== null) return { location: field.name, message: `This field: ${field.name} is not a record.` };
  switch (field.type) {
    case "STRING":
      return typeof value === "string" ? value : String(value);
    case "INTEGER": {
      const text = typeof value === "number" && Number.isInteger(value) ? String(value) : typeof value === "string" ? value.trim() : "";
      if (!/^[+-]?\d+$/.test(text)) return bad("integer (bad value)");
      const n = BigInt(text);
      return n < INT64_MIN || n > INT64_MAX ? bad("integer (out of range)") : n;
    }
    case "FLOAT": {
      const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
      if (Number.isNaN(n) && value !== "NaN") return bad("floating point");
      return n;
    }
    case "NUMERIC": {
      const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
      const m = /^([+-]?)(\d{1,29})(?:\.(\d{0,9}))?$/.exec(text);
      if (!m) return bad("numeric");
      const scaled = BigInt(`${m[2]}${(m[3] ?? "").padEnd(9, "0")}`);
      return decimalValue(m[1] === "-" ? -scaled : scaled, 38, 9);
    }
    case "BOOLEAN":
      if (typeof value === "boolean") return value;
      if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
      return bad("boolean");
    case "TIMESTAMP": {
      if (typeof value === "number" && Number.isFinite(value)) return timestampValue(BigInt(Math.round(value * 1e6)));
      const micros = typeof value === "string" ? parseTimestamp(value) : undefined;
      if (micros === undefined) {
        return {
          location: field.name,
          message: `Cannot convert value to timestamp: Could not parse '${String(value)}' as a timestamp. Required format is YYYY-MM-DD HH:MM[:SS[.SSSSSS]]`,
        };
      }
      return timestampValue(micros);
    }
    case "DATE": {
      const m = typeof value === "string" ? /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value) : null;
      const micros = m ? parseTimestamp(value as string) : undefined;
      return micros === undefined ? bad("date") : dateValue(Number(micros / 86_400_000_000n));
    }
    case "TIME": {
      const m = typeof value === "string" ? /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/.exec(value) : null;
      if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) return bad("time");
      const seconds = BigInt(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0));
      return timeValue(seconds * 1_000_000n + BigInt((m[4] ?? "").padEnd(6, "0")));
    }
    case "BYTES": {
      if (typeof value !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return bad("bytes");
      return blobValue(Buffer.from(value, "base64"));
    }
    default:
      return bad(field.type);
  }
}

const shown = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

// ---- query parameters ---------------------------------------------------------------------------------------

export interface QueryParameter {
  name?: string;
  parameterType: { type: string; arrayType?: { type: string } };
  parameterValue?: { value?: unknown; arrayValues?: { value?: unknown }[] };
}

export class InvalidParameter extends Error {
  override name = "InvalidParameter";
}

/** A query parameter as a DuckDB value (scalars and arrays of scalars). */
export function parameterValue(parameter: QueryParameter): DuckDBValue {
  const type = parameter.parameterType.type.toUpperCase();
  if (type === "ARRAY") {
    const itemType = parameter.parameterType.arrayType?.type ?? "STRING";
    const items = (parameter.parameterValue?.arrayValues ?? []).map((item) =>
      parameterValue({ name: parameter.name, parameterType: { type: itemType }, parameterValue: item }),
    );
    return listValue(items);
  }
  if (type === "STRUCT") throw new InvalidParameter(`STRUCT parameters are not supported by the local BigQuery stand-in`);
  const raw = parameter.parameterValue?.value;
  if (raw === undefined || raw === null) return null;
  const standard: Record<string, string> = { INT64: "INTEGER", FLOAT64: "FLOAT", BOOL: "BOOLEAN", BIGNUMERIC: "NUMERIC" };
  const bqType = standard[type] ?? type;
  if (bqType === "JSON") return String(raw);
  if (bqType === "DATETIME") throw new InvalidParameter("DATETIME parameters are not supported by the local BigQuery stand-in");
  const converted = insertValue({ name: parameter.name ?? "?", type: bqType }, raw);
  if (isCellError(converted)) throw new InvalidParameter(`Query parameter '${parameter.name ?? "?"}': ${converted.message}`);
  return converted;
}

export const isCellError = (value: unknown): value is CellError =>
  typeof value === "object" && value !== null && "location" in value && "message" in value;

// ---- results ------------------------------------------------------------------------------------------------

/** BigQuery result type for a DuckDB column type, with mode REPEATED for lists. */
export function resultField(name: string, type: DuckDBType): FieldSchema {
  if (type.typeId === DuckDBTypeId.LIST) {
    const item = resultField(name, (type as unknown as { valueType: DuckDBType }).valueType);
    return { name, type: item.type, mode: "REPEATED" };
  }
  return { name, type: scalarType(type), mode: "NULLABLE" };
}

function scalarType(type: DuckDBType): string {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return "BOOLEAN";
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
      return "INTEGER";
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return "FLOAT";
    case DuckDBTypeId.DECIMAL:
      return "NUMERIC";
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.UUID:
      return "STRING";
    case DuckDBTypeId.BLOB:
      return "BYTES";
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS:
      return "TIMESTAMP";
    case DuckDBTypeId.DATE:
      return "DATE";
    case DuckDBTypeId.TIME:
      return "TIME";
    default:
      throw new InvalidParameter(`result type ${type.toString()} is not supported by the local BigQuery stand-in`);
  }
}

/**
 * One result cell as the REST API encodes it: `{v: string | null}`, lists as `{v: [{v}, ...]}`.
 * TIMESTAMP is int64 microseconds as a string, or float seconds when the client asked for useInt64Timestamp=false.
 */
export function encodeCell(field: FieldSchema, value: DuckDBValue, int64Timestamps: boolean): { v: unknown } {
  if (value === null || value === undefined) return { v: null };
  if (field.mode === "REPEATED") {
    const items = (value as unknown as { items: DuckDBValue[] }).items;
    return { v: items.map((item) => encodeCell({ ...field, mode: "NULLABLE" }, item, int64Timestamps)) };
  }
  switch (field.type) {
    case "TIMESTAMP": {
      const v = value as unknown as { micros?: bigint; millis?: bigint; seconds?: bigint; nanos?: bigint };
      const micros = v.micros ?? (v.millis !== undefined ? v.millis * 1000n : v.seconds !== undefined ? v.seconds * 1_000_000n : v.nanos! / 1000n);
      if (int64Timestamps) return { v: String(micros) };
      return { v: `${micros / 1_000_000n}.${String(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).padStart(6, "0")}` };
    }
    case "NUMERIC": {
      const text = String(value);
      return { v: text.includes(".") ? text.replace(/\.?0+$/, "") : text };
    }
    case "BYTES":
      return { v: Buffer.from((value as unknown as { bytes: Uint8Array }).bytes).toString("base64") };
    case "FLOAT":
      return { v: Number.isFinite(value as number) ? String(value) : String(value) === "NaN" ? "NaN" : (value as number) > 0 ? "Infinity" : "-Infinity" };
    default:
      return { v: String(value) };
  }
}
