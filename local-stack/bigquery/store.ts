/**
 * The stand-in's storage: BigQuery's datasets, tables and views as DuckDB schemas, tables and views in one
 * in-memory database, with the metadata BigQuery answers kept beside them. Every operation runs through one
 * queue, so an insertAll (checks, insertId dedup, append) is atomic with respect to queries.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { DUCKDB_MACROS, translate, UnsupportedSql } from "./sql.ts";
import {
  columnDefinitions,
  encodeCell,
  insertValue,
  isCellError,
  normalizeField,
  parameterValue,
  resultField,
  type CellError,
  type FieldSchema,
  type QueryParameter,
} from "./values.ts";

/** An error answered with BigQuery's error shape. */
export class BigQueryError extends Error {
  override name = "BigQueryError";
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

const notFound = (message: string) => new BigQueryError(404, "notFound", message);
const duplicate = (message: string) => new BigQueryError(409, "duplicate", message);
const invalid = (message: string) => new BigQueryError(400, "invalid", message);
const invalidQuery = (message: string) => new BigQueryError(400, "invalidQuery", message);

export interface DatasetResource {
  kind: "bigquery#dataset";
  id: string;
  datasetReference: { projectId: string; datasetId: string };
  location: string;
  creationTime: string;
  lastModifiedTime: string;
  etag: string;
  [key: string]: unknown;
}

export interface TableResource {
  kind: "bigquery#table";
  id: string;
  tableReference: { projectId: string; datasetId: string; tableId: string };
  type: "TABLE" | "VIEW";
  schema?: { fields: FieldSchema[] };
  view?: { query: string; useLegacySql: boolean };
  timePartitioning?: unknown;
  clustering?: unknown;
  location: string;
  creationTime: string;
  lastModifiedTime: string;
  etag: string;
  [key: string]: unknown;
}

export interface InsertRow {
  insertId?: string;
  json?: Record<string, unknown>;
}

export interface InsertError {
  index: number;
  errors: { reason: string; location: string; debugInfo: string; message: string }[];
}

export interface InsertOutcome {
  insertErrors: InsertError[];
  inserted: number;
  deduplicated: number;
  rejected: number;
}

export interface QueryRequest {
  query: string;
  useLegacySql?: boolean;
  parameterMode?: string;
  queryParameters?: QueryParameter[];
  formatOptions?: { useInt64Timestamp?: boolean; timestampOutputFormat?: string };
  defaultDataset?: { datasetId: string };
}

export interface QueryResult {
  schema: { fields: FieldSchema[] };
  rows: { f: { v: unknown }[] }[];
  totalRows: string;
  /** A DML statement's rows, as jobs.query answers it. */
  numDmlAffectedRows?: string;
}

interface Table {
  resource: TableResource;
  /** insertId → when it was last accepted (ms) */
  insertIds: Map<string, number>;
  /** Rows ever appended: DuckDB numbers appended rows by rowid from 0 and never reuses one, so this is the next rowid. */
  appended: number;
  /** Each insertAll's first rowid and time, while it may still be in the streaming buffer. */
  streamed: Array<{ firstRowid: number; at: number }>;
}

const LOCATION = "US";
const IDENTIFIER = /^[A-Za-z0-9_]{1,1024}$/;
const TABLE_ID = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u;

export class Store {
  readonly projectId: string;
  readonly dedupWindowMs: number;
  /**
   * How long streamed rows stay in the streaming buffer, where DML cannot touch them. BigQuery: "Rows that were
   * written to a table recently by using streaming (the tabledata.insertall method) cannot be modified with UPDATE,
   * DELETE, or MERGE statements" for up to 30 minutes (DML limitations). Tests shorten it.
   */
  streamingBufferMs = 30 * 60_000;
  private readonly connection: DuckDBConnection;
  private readonly datasets = new Map<string, { resource: DatasetResource; tables: Map<string, Table> }>();
  private queue: Promise<unknown> = Promise.resolve();

  /** The clock of the insertId window and the streaming buffer. */
  private readonly now: () => number;

  private constructor(connection: DuckDBConnection, projectId: string, dedupWindowMs: number, now: () => number) {
    this.connection = connection;
    this.projectId = projectId;
    this.dedupWindowMs = dedupWindowMs;
    this.now = now;
  }

  static async open(projectId: string, dedupWindowMs: number, now: () => number = Date.now): Promise<Store> {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    // BigQuery sorts NULLs first ascending and last descending (DuckDB's default is last both ways)
    await connection.run("SET default_null_order = 'nulls_first_on_asc_last_on_desc'");
    for (const macro of DUCKDB_MACROS) await connection.run(macro);
    return new Store(connection, projectId, dedupWindowMs, now);
  }

  /** Runs operations one at a time. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.connection.closeSync();
  }

  // ---- datasets ---------------------------------------------------------------------------------------------

  getDataset(datasetId: string): DatasetResource {
    const dataset = this.datasets.get(datasetId);
    if (!dataset) throw notFound(`Not found: Dataset ${this.projectId}:${datasetId}`);
    return dataset.resource;
  }

  listDatasets(): DatasetResource[] {
    return [...this.datasets.values()].map((d) => d.resource);
  }

  createDataset(body: Record<string, unknown>): Promise<DatasetResource> {
    return this.serial(async () => {
      const reference = body["datasetReference"] as { datasetId?: string; projectId?: string } | undefined;
      const datasetId = reference?.datasetId ?? "";
      if (!IDENTIFIER.test(datasetId)) throw invalid(`Invalid dataset ID "${datasetId}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`);
      if (this.datasets.has(datasetId)) throw duplicate(`Already Exists: Dataset ${this.projectId}:${datasetId}`);
      await this.connection.run(`CREATE SCHEMA "${datasetId}"`);
      const now = String(Date.now());
      const resource: DatasetResource = {
        ...body,
        kind: "bigquery#dataset",
        id: `${this.projectId}:${datasetId}`,
        datasetReference: { projectId: this.projectId, datasetId },
        location: typeof body["location"] === "string" ? body["location"] : LOCATION,
        creationTime: now,
        lastModifiedTime: now,
        etag: etag(),
      };
      this.datasets.set(datasetId, { resource, tables: new Map() });
      return resource;
    });
  }

  deleteDataset(datasetId: string, deleteContents: boolean): Promise<void> {
    return this.serial(async () => {
      const dataset = this.datasets.get(datasetId);
      if (!dataset) throw notFound(`Not found: Dataset ${this.projectId}:${datasetId}`);
      if (dataset.tables.size && !deleteContents) {
        throw new BigQueryError(400, "resourceInUse", `Dataset ${this.projectId}:${datasetId} is still in use`);
      }
      await this.connection.run(`DROP SCHEMA "${datasetId}" CASCADE`);
      this.datasets.delete(datasetId);
    });
  }

  // ---- tables -----------------------------------------------------------------------------------------------

  private table(datasetId: string, tableId: string): Table {
    const dataset = this.datasets.get(datasetId);
    if (!dataset) throw notFound(`Not found: Dataset ${this.projectId}:${datasetId}`);
    const table = dataset.tables.get(tableId);
    if (!table) throw notFound(`Not found: Table ${this.projectId}:${datasetId}.${tableId}`);
    return table;
  }

  async getTable(datasetId: string, tableId: string): Promise<TableResource> {
    const { resource } = this.table(datasetId, tableId);
    if (resource.type === "VIEW") return resource;
    // BigQuery reports streamed rows under streamingBuffer before they reach numRows; the stand-in has no buffer.
    const numRows = await this.serial(async () => {
      const reader = await this.connection.runAndReadAll(`SELECT COUNT(*) FROM "${datasetId}"."${tableId}"`);
      return String(reader.getRows()[0]![0]);
    });
    return { ...resource, numRows };
  }

  listTables(datasetId: string): TableResource[] {
    const dataset = this.datasets.get(datasetId);
    if (!dataset) throw notFound(`Not found: Dataset ${this.projectId}:${datasetId}`);
    return [...dataset.tables.values()].map((t) => t.resource);
  }

  /**
   * tables.patch: a view's query (re)defined, or descriptive fields (description, labels, friendlyName) changed. A
   * table's schema change is refused: the project never patches one.
   */
  patchTable(datasetId: string, tableId: string, body: Record<string, unknown>): Promise<TableResource> {
    return this.serial(async () => {
      const table = this.table(datasetId, tableId);
      const view = body["view"] as { query?: string; useLegacySql?: boolean } | undefined;
      if (body["schema"] !== undefined && table.resource.type === "TABLE") throw invalid("The local BigQuery stand-in does not patch a table's schema");
      if (view) {
        if (table.resource.type !== "VIEW") throw invalid(`${datasetId}.${tableId} is a table, not a view`);
        if (view.useLegacySql !== false) throw invalid("Legacy SQL views are not supported by the local BigQuery stand-in: set view.useLegacySql to false");
        const name = `"${datasetId}"."${tableId}"`;
        const sql = this.translateOrThrow(view.query ?? "");
        await this.duck(() => this.connection.run(`CREATE OR REPLACE VIEW ${name} AS ${sql}`));
        const reader = await this.connection.runAndReadAll(`SELECT * FROM ${name} LIMIT 0`);
        const names = reader.columnNames();
        table.resource.view = { query: view.query ?? "", useLegacySql: false };
        table.resource.schema = { fields: reader.columnTypes().map((type, i) => resultField(names[i]!, type)) };
      }
      for (const field of ["description", "labels", "friendlyName"]) if (body[field] !== undefined) table.resource[field] = body[field];
      table.resource.lastModifiedTime = String(Date.now());
      table.resource.etag = etag();
      return table.resource;
    });
  }

  createTable(datasetId: string, body: Record<string, unknown>): Promise<TableResource> {
    return this.serial(async () => {
      const dataset = this.datasets.get(datasetId);
      if (!dataset) throw notFound(`Not found: Dataset ${this.projectId}:${datasetId}`);
      const tableId = (body["tableReference"] as { tableId?: string } | undefined)?.tableId ?? "";
      if (!TABLE_ID.test(tableId) || tableId.includes(" ")) throw invalid(`Invalid table ID "${tableId}".`);
      if (dataset.tables.has(tableId)) throw duplicate(`Already Exists: Table ${this.projectId}:${datasetId}.${tableId}`);
      const view = body["view"] as { query?: string; useLegacySql?: boolean } | undefined;
      const now = String(Date.now());
      const resource: TableResource = {
        ...body,
        kind: "bigquery#table",
        id: `${this.projectId}:${datasetId}.${tableId}`,
        tableReference: { projectId: this.projectId, datasetId, tableId },
        type: view ? "VIEW" : "TABLE",
        location: dataset.resource.location,
        creationTime: now,
        lastModifiedTime: now,
        etag: etag(),
      };
      const name = `"${datasetId}"."${tableId}"`;
      if (view) {
        if (view.useLegacySql !== false) throw invalid("Legacy SQL views are not supported by the local BigQuery stand-in: set view.useLegacySql to false");
        const sql = this.translateOrThrow(view.query ?? "");
        await this.duck(() => this.connection.run(`CREATE VIEW ${name} AS ${sql}`));
        const reader = await this.connection.runAndReadAll(`SELECT * FROM ${name} LIMIT 0`);
        const names = reader.columnNames();
        resource.view = { query: view.query ?? "", useLegacySql: false };
        resource.schema = { fields: reader.columnTypes().map((type, i) => resultField(names[i]!, type)) };
      } else {
        const fields = ((body["schema"] as { fields?: FieldSchema[] } | undefined)?.fields ?? []).map((f) => ({ ...f }));
        let columns: string;
        try {
          columns = columnDefinitions(fields);
        } catch (error) {
          throw invalid((error as Error).message);
        }
        await this.connection.run(`CREATE TABLE ${name} (${columns})`);
        resource.schema = { fields: fields.map(normalizeField) };
      }
      dataset.tables.set(tableId, { resource, insertIds: new Map(), appended: 0, streamed: [] });
      return resource;
    });
  }

  deleteTable(datasetId: string, tableId: string): Promise<void> {
    return this.serial(async () => {
      const table = this.table(datasetId, tableId);
      await this.connection.run(`DROP ${table.resource.type === "VIEW" ? "VIEW" : "TABLE"} "${datasetId}"."${tableId}" CASCADE`);
      this.datasets.get(datasetId)!.tables.delete(tableId);
    });
  }

  // ---- streaming inserts ------------------------------------------------------------------------------------

  /**
   * tabledata.insertAll. Invalid rows (unknown field unless ignoreUnknownValues, a value of the wrong type, a
   * missing REQUIRED field) are reported with reason "invalid"; unless skipInvalidRows, the request's other rows are
   * then reported "stopped" and nothing is inserted. A row whose insertId the table accepted within the dedup
   * window is dropped silently.
   */
  insertAll(datasetId: string, tableId: string, body: { rows?: InsertRow[]; skipInvalidRows?: boolean; ignoreUnknownValues?: boolean }): Promise<InsertOutcome> {
    return this.serial(async () => {
      const table = this.table(datasetId, tableId);
      if (table.resource.type === "VIEW") throw invalid(`Cannot add rows to a view: ${this.projectId}:${datasetId}.${tableId}`);
      const rows = body.rows ?? [];
      if (!rows.length) throw invalid("No rows present in the request.");
      const fields = table.resource.schema!.fields;
      const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));

      const checked = rows.map((row) => checkRow(row.json ?? {}, fields, byName, body.ignoreUnknownValues === true));
      const insertErrors: InsertError[] = [];
      checked.forEach((result, index) => {
        if (!Array.isArray(result)) {
          insertErrors.push({ index, errors: result.errors.map((e) => ({ reason: "invalid", location: e.location, debugInfo: "", message: e.message })) });
        }
      });
      if (insertErrors.length && !body.skipInvalidRows) {
        const failed = new Set(insertErrors.map((e) => e.index));
        rows.forEach((_, index) => {
          if (!failed.has(index)) insertErrors.push({ index, errors: [{ reason: "stopped", location: "", debugInfo: "", message: "" }] });
        });
        insertErrors.sort((a, b) => a.index - b.index);
        return { insertErrors, inserted: 0, deduplicated: 0, rejected: rows.length };
      }

      const now = this.now();
      const accepted: DuckDBValue[][] = [];
      let deduplicated = 0;
      checked.forEach((values, index) => {
        if (!Array.isArray(values)) return;
        const insertId = rows[index]!.insertId;
        if (insertId) {
          const seen = table.insertIds.get(insertId);
          if (seen !== undefined && now - seen < this.dedupWindowMs) {
            deduplicated++;
            return;
          }
          table.insertIds.set(insertId, now);
        }
        accepted.push(values);
      });
      if (table.insertIds.size > 10_000) {
        for (const [id, seen] of table.insertIds) if (now - seen >= this.dedupWindowMs) table.insertIds.delete(id);
      }
      if (accepted.length) {
        await this.append(datasetId, tableId, accepted);
        table.streamed = table.streamed.filter(({ at }) => now - at < this.streamingBufferMs);
        table.streamed.push({ firstRowid: table.appended, at: now });
        table.appended += accepted.length;
      }
      return { insertErrors, inserted: accepted.length, deduplicated, rejected: rows.length - accepted.length - deduplicated };
    });
  }

  private async append(datasetId: string, tableId: string, rows: DuckDBValue[][]): Promise<void> {
    const appender = await this.connection.createAppender(tableId, datasetId);
    try {
      for (const row of rows) {
        row.forEach((value, i) => (value === null ? appender.appendNull() : appender.appendValue(value, appender.columnType(i))));
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  // ---- queries ----------------------------------------------------------------------------------------------

  private translateOrThrow(sql: string): string {
    try {
      return translate(sql, this.projectId).sql;
    } catch (error) {
      if (error instanceof UnsupportedSql) throw invalidQuery(error.message);
      throw error;
    }
  }

  /** Runs DuckDB work, answering its errors as BigQuery does (404 for a missing table, else 400 invalidQuery). */
  private async duck<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      const missing = /Catalog Error: (Table|Schema) with name "?([^"\s!]+)"? does not exist/.exec(message);
      if (missing) throw notFound(`Not found: ${missing[1] === "Schema" ? "Dataset" : "Table"} ${missing[2]} (local BigQuery stand-in: ${firstLine(message)})`);
      throw invalidQuery(`${firstLine(message)} [local BigQuery stand-in, DuckDB]`);
    }
  }

  query(request: QueryRequest): Promise<QueryResult> {
    return this.serial(async () => {
      if (request.useLegacySql === true) throw invalid("Legacy SQL is not supported by the local BigQuery stand-in");
      const translation = (() => {
        try {
          return translate(request.query ?? "", this.projectId);
        } catch (error) {
          if (error instanceof UnsupportedSql) throw invalidQuery(error.message);
          throw error;
        }
      })();
      const parameters = request.queryParameters ?? [];
      const named = (request.parameterMode ?? "").toUpperCase() !== "POSITIONAL";
      let values: Record<string, DuckDBValue> | DuckDBValue[] | undefined;
      try {
        if (named) {
          const byName: Record<string, DuckDBValue> = {};
          for (const p of parameters) byName[p.name ?? ""] = parameterValue(p);
          for (const name of translation.params) {
            if (!(name in byName)) throw new Error(`Query parameter '${name}' not found`);
          }
          // DuckDB refuses unused named values; BigQuery ignores them
          values = Object.fromEntries(translation.params.map((name) => [name, byName[name]!]));
          if (!translation.params.length) values = undefined;
        } else {
          values = parameters.map(parameterValue);
        }
      } catch (error) {
        throw invalidQuery((error as Error).message);
      }
      if (translation.statement === "delete") return this.delete(translation.sql, values);
      const reader = await this.duck(() => this.connection.runAndReadAll(translation.sql, values));
      const names = reader.columnNames();
      const fields = reader.columnTypes().map((type, i) => {
        const name = names[i]!;
        try {
          return resultField(/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `f${i}_`, type);
        } catch (error) {
          throw invalidQuery((error as Error).message);
        }
      });
      const int64 = request.formatOptions?.useInt64Timestamp !== false;
      const rows = reader.getRows().map((row) => ({ f: row.map((value, i) => encodeCell(fields[i]!, value, int64)) }));
      return { schema: { fields }, rows, totalRows: String(rows.length) };
    });
  }

  /** A DML DELETE, refused whole when a row it would delete is still in the streaming buffer, as BigQuery does. */
  private async delete(sql: string, values: Record<string, DuckDBValue> | DuckDBValue[] | undefined): Promise<QueryResult> {
    const parsed = /^\s*DELETE\s+(?:FROM\s+)?((?:"(?:[^"]|"")*"|\w+)\.(?:"(?:[^"]|"")*"|\w+))\s+(WHERE\b[\s\S]*)$/i.exec(sql);
    if (!parsed) throw invalidQuery("DELETE names its table as dataset.table [local BigQuery stand-in]");
    const [datasetId, tableId] = parsed[1]!.split(/\.(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((part) => part.replace(/^"|"$/g, "").replaceAll('""', '"')) as [string, string];
    const table = this.table(datasetId, tableId);
    if (table.resource.type === "VIEW") throw invalidQuery(`Cannot delete from a view: ${datasetId}.${tableId}`);
    const now = this.now();
    const buffered = table.streamed.find(({ at }) => now - at < this.streamingBufferMs)?.firstRowid ?? Number.MAX_SAFE_INTEGER;
    const counted = await this.duck(() => this.connection.runAndReadAll(`SELECT count(*), count(*) FILTER (WHERE rowid >= ${buffered}) FROM ${parsed[1]} ${parsed[2]}`, values));
    const [affected, inBuffer] = (counted.getRows()[0] ?? [0n, 0n]).map(Number) as [number, number];
    if (inBuffer > 0) {
      throw invalidQuery(`UPDATE or DELETE statement over table ${this.projectId}.${datasetId}.${tableId} would affect rows in the streaming buffer, which is not supported`);
    }
    if (affected > 0) await this.duck(() => this.connection.run(sql, values));
    this.dmlDeletedRows += affected;
    return { schema: { fields: [] }, rows: [], totalRows: "0", numDmlAffectedRows: String(affected) };
  }

  /** Rows DML DELETE statements removed, since start. */
  dmlDeletedRows = 0;

  // ---- maintenance ------------------------------------------------------------------------------------------

  clear(): Promise<void> {
    return this.serial(async () => {
      for (const datasetId of this.datasets.keys()) await this.connection.run(`DROP SCHEMA "${datasetId}" CASCADE`);
      this.datasets.clear();
    });
  }
}

/** A row's DuckDB values in schema order, or its errors. */
function checkRow(
  json: Record<string, unknown>,
  fields: FieldSchema[],
  byName: Map<string, FieldSchema>,
  ignoreUnknownValues: boolean,
): DuckDBValue[] | { errors: CellError[] } {
  const errors: CellError[] = [];
  const given = new Map<string, unknown>();
  for (const [key, value] of Object.entries(json)) {
    if (!byName.has(key.toLowerCase())) {
      if (!ignoreUnknownValues) errors.push({ location: key, message: `no such field: ${key}.` });
      continue;
    }
    given.set(key.toLowerCase(), value);
  }
  const values = fields.map((field) => {
    const value = given.get(field.name.toLowerCase());
    if (value === undefined || value === null) {
      if (field.mode === "REQUIRED") errors.push({ location: field.name, message: `Missing required field: ${field.name}.` });
      return null;
    }
    const converted = insertValue(field, value);
    if (isCellError(converted)) {
      errors.push(converted);
      return null;
    }
    return converted;
  });
  return errors.length ? { errors } : values;
}

const firstLine = (message: string) => message.split("\n")[0]!.trim();
const etag = () => Buffer.from(String(Math.random())).toString("base64").slice(0, 22);
