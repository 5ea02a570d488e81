/**
 * BigQuery for the local stack: the REST API surface the official @google-cloud/bigquery client uses (datasets,
 * tables and views, streaming inserts with insertId dedup and per-row errors, jobs.query with named parameters),
 * over an in-memory DuckDB database with one schema per dataset. Product code uses the client unchanged.
 *
 *   const bigquery = await startBigQuery({ projectId: "demo-learnpulse" });
 *   const authClient = new OAuth2Client();
 *   authClient.setCredentials({ access_token: "local", expiry_date: Date.now() + 3600e3 });
 *   const bq = new BigQuery({ projectId: bigquery.projectId, apiEndpoint: bigquery.apiEndpoint, authClient });
 *
 * The client reads BIGQUERY_EMULATOR_HOST itself and, when it is set, uses its value verbatim as the base URL
 * (without /bigquery/v2): set it to `apiEndpoint` (a URL, "http://127.0.0.1:PORT"), never to bare host:port, which
 * makes every call fail with "Invalid URL". The stand-in serves both path forms.
 */
import { emptyStats, startServer, type BigQueryFault, type BigQueryStats } from "./server.ts";
import { Store } from "./store.ts";
import { formatTimestamp, type FieldSchema, type QueryParameter } from "./values.ts";

export type { BigQueryFault, BigQueryStats };

export interface LocalBigQuery {
  /** "127.0.0.1:PORT". */
  host: string;
  /** "http://127.0.0.1:PORT": the client's apiEndpoint, and the value for BIGQUERY_EMULATOR_HOST. */
  apiEndpoint: string;
  projectId: string;
  /**
   * Fault injection: "refuse" destroys connections without answering, "timeout" holds requests unanswered (until
   * the client gives up, the fault changes, or stop()), "error" answers 503 backendError like an outage.
   */
  fault(mode: BigQueryFault): void;
  /**
   * Since start or resetStats(): insertAll requests, rows they carried, rows stored, rows dropped as duplicates
   * of an insertId seen within the window, rows not stored because of insertErrors (invalid rows, and the
   * "stopped" rows of a request without skipInvalidRows), and queries run through the API (not query() below).
   */
  stats(): BigQueryStats;
  resetStats(): void;
  /**
   * How long streamed rows stay in the streaming buffer, where a DML DELETE that would touch one is refused whole
   * (BigQuery: up to 30 minutes). @default 30 minutes; tests set 0 to stand for the time having passed.
   */
  setStreamingBufferMs(ms: number): void;
  /** Rows DML DELETE statements removed, since start. */
  dmlDeletedRows(): number;
  /**
   * Runs SQL (the dialect the API accepts) against the stored data, for tests. Params are named (`@name`);
   * strings, numbers, booleans, bigints, Dates and arrays of those. Cells come back as JS values: INTEGER as a
   * number (a string beyond 2^53), FLOAT as a number, BOOLEAN as a boolean, TIMESTAMP as an ISO string with six
   * fractional digits, NULL as null, anything else as its REST string.
   */
  query(sql: string, params?: Record<string, unknown>): Promise<Record<string, unknown>[]>;
  /** Drops every dataset (and forgets insertIds). */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartBigQueryOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** @default "demo-learnpulse" */
  projectId?: string;
  /** How long an accepted insertId drops later rows with the same id (BigQuery: best effort, about a minute). @default 60_000 */
  dedupWindowMs?: number;
  /** The clock of the insertId window and the streaming buffer, for tests that step time. @default Date.now */
  now?: () => number;
}

export async function startBigQuery(options: StartBigQueryOptions = {}): Promise<LocalBigQuery> {
  const projectId = options.projectId ?? "demo-learnpulse";
  const store = await Store.open(projectId, options.dedupWindowMs ?? 60_000, options.now);
  let stats = emptyStats();
  const server = await startServer(store, options.port ?? 0, () => stats);
  const host = `127.0.0.1:${server.port}`;

  return {
    host,
    apiEndpoint: `http://${host}`,
    projectId,
    fault: (mode) => server.fault(mode),
    stats: () => ({ ...stats }),
    resetStats() {
      stats = emptyStats();
    },
    setStreamingBufferMs: (ms) => void (store.streamingBufferMs = ms),
    dmlDeletedRows: () => store.dmlDeletedRows,
    async query(sql, params = {}) {
      const result = await store.query({
        query: sql,
        parameterMode: "NAMED",
        queryParameters: Object.entries(params).map(([name, value]) => ({ name, ...toParameter(value) })),
      });
      const { fields } = result.schema;
      return result.rows.map((row) => Object.fromEntries(row.f.map((cell, i) => [fields[i]!.name, decode(fields[i]!, cell.v)])));
    },
    clear: () => store.clear(),
    async stop() {
      await server.close();
      store.close();
    },
  };
}

function toParameter(value: unknown): Omit<QueryParameter, "name"> {
  if (Array.isArray(value)) {
    const items = value.map(toParameter);
    return {
      parameterType: { type: "ARRAY", arrayType: items[0]?.parameterType ?? { type: "STRING" } },
      parameterValue: { arrayValues: items.map((item) => ({ value: item.parameterValue?.value })) },
    };
  }
  const scalar = (type: string, v: unknown) => ({ parameterType: { type }, parameterValue: { value: v } });
  if (value instanceof Date) return scalar("TIMESTAMP", value.toISOString());
  if (typeof value === "bigint") return scalar("INT64", String(value));
  if (typeof value === "number") return scalar(Number.isInteger(value) ? "INT64" : "FLOAT64", value);
  if (typeof value === "boolean") return scalar("BOOL", value);
  if (value === null || value === undefined) return scalar("STRING", null);
  return scalar("STRING", String(value));
}

function decode(field: FieldSchema, v: unknown): unknown {
  if (v === null) return null;
  if (field.mode === "REPEATED") return (v as { v: unknown }[]).map((item) => decode({ ...field, mode: "NULLABLE" }, item.v));
  const text = String(v);
  switch (field.type) {
    case "INTEGER":
      return Number.isSafeInteger(Number(text)) ? Number(text) : text;
    case "FLOAT":
      return Number(text);
    case "BOOLEAN":
      return text === "true";
    case "TIMESTAMP":
      return formatTimestamp(BigInt(text));
    default:
      return text;
  }
}
