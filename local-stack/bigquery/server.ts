/**
 * The BigQuery REST API (v2) surface the product's @google-cloud/bigquery client calls, on node:http over Store.
 * Paths are served both under `/bigquery/v2/projects/{p}` (the client with `apiEndpoint`) and under
 * `/projects/{p}` (the client when BIGQUERY_EMULATOR_HOST is a URL: it then uses that URL as its base, without
 * `/bigquery/v2`).
 */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { startFaultyHttpServer } from "../faulty-http.ts";
import { BigQueryError, type QueryRequest, type QueryResult, type Store } from "./store.ts";

export type BigQueryFault = false | "refuse" | "timeout" | "error";

export interface BigQueryStats {
  insertAllRequests: number;
  rowsReceived: number;
  rowsInserted: number;
  rowsDeduplicated: number;
  rowsRejected: number;
  queries: number;
}

export const emptyStats = (): BigQueryStats => ({
  insertAllRequests: 0,
  rowsReceived: 0,
  rowsInserted: 0,
  rowsDeduplicated: 0,
  rowsRejected: 0,
  queries: 0,
});

const MAX_REQUEST_BYTES = 10 * 1024 * 1024; // insertAll's limit
const KEPT_JOBS = 200;

const STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "ALREADY_EXISTS",
  413: "INVALID_ARGUMENT",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

interface Job {
  id: string;
  query: string;
  result: QueryResult;
  created: number;
}

export interface Server {
  port: number;
  fault(mode: BigQueryFault): void;
  close(): Promise<void>;
}

export async function startServer(store: Store, port: number, stats: () => BigQueryStats): Promise<Server> {
  const jobs = new Map<string, Job>();
  const projectId = store.projectId;

  const send = (res: http.ServerResponse, status: number, body?: unknown) => {
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  const sendError = (res: http.ServerResponse, code: number, reason: string, message: string) =>
    send(res, code, { error: { code, message, errors: [{ message, domain: "global", reason }], status: STATUS[code] ?? "UNKNOWN" } });

  const jobReference = (jobId: string) => ({ projectId, jobId, location: "US" });

  const runJob = async (request: QueryRequest): Promise<Job> => {
    stats().queries++;
    const result = await store.query(request);
    const job: Job = { id: `job_${randomUUID().replaceAll("-", "")}`, query: request.query, result, created: Date.now() };
    jobs.set(job.id, job);
    if (jobs.size > KEPT_JOBS) jobs.delete(jobs.keys().next().value!);
    return job;
  };

  /** One page of a job's rows, as jobs.query and jobs.getQueryResults answer it. */
  const page = (job: Job, params: { maxResults?: unknown; pageToken?: unknown; startIndex?: unknown }) => {
    const start = Number(params.pageToken ?? params.startIndex ?? 0) || 0;
    const max = Number(params.maxResults ?? 0) || job.result.rows.length;
    const rows = job.result.rows.slice(start, start + max);
    return {
      schema: job.result.schema,
      jobReference: jobReference(job.id),
      totalRows: job.result.totalRows,
      ...(job.result.numDmlAffectedRows !== undefined ? { numDmlAffectedRows: job.result.numDmlAffectedRows } : {}),
      ...(rows.length ? { rows } : {}),
      ...(start + max < job.result.rows.length ? { pageToken: String(start + max) } : {}),
      totalBytesProcessed: "0",
      jobComplete: true,
      cacheHit: false,
    };
  };

  const jobResource = (job: Job) => ({
    kind: "bigquery#job",
    id: `${projectId}:US.${job.id}`,
    jobReference: jobReference(job.id),
    configuration: { jobType: "QUERY", query: { query: job.query, useLegacySql: false } },
    status: { state: "DONE" },
    statistics: { creationTime: String(job.created), startTime: String(job.created), endTime: String(job.created), query: { totalBytesProcessed: "0", cacheHit: false } },
  });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer) => {
    const url = new URL(req.url ?? "/", "http://bigquery");
    const method = req.method ?? "GET";
    const path = url.pathname.replace(/^\/bigquery\/v2(?=\/)/, "").replace(/\/+$/, "");
    const parts = path.split("/").slice(1).map(decodeURIComponent);
    const q = Object.fromEntries(url.searchParams);
    let body: Record<string, unknown> = {};
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      } catch {
        return sendError(res, 400, "parseError", "Parse Error");
      }
    }
    if (parts[0] !== "projects" || !parts[1]) return sendError(res, 404, "notFound", `Not found: ${url.pathname}`);
    if (parts[1] !== projectId) return sendError(res, 404, "notFound", `Not found: Project ${parts[1]} (the local BigQuery stand-in serves ${projectId})`);
    const [, , collection, datasetId, sub, tableId, action] = parts;
    const route = [collection, datasetId && "{d}", sub, tableId && "{t}", action].filter(Boolean).join("/");

    switch (`${method} ${route}`) {
      case "GET datasets":
        return send(res, 200, {
          kind: "bigquery#datasetList",
          datasets: store.listDatasets().map((d) => ({ kind: d.kind, id: d.id, datasetReference: d.datasetReference, location: d.location })),
        });
      case "POST datasets":
        return send(res, 200, await store.createDataset(body));
      case "GET datasets/{d}":
        return send(res, 200, store.getDataset(datasetId!));
      case "DELETE datasets/{d}":
        await store.deleteDataset(datasetId!, q["deleteContents"] === "true");
        return send(res, 204);
      case "GET datasets/{d}/tables":
        return send(res, 200, {
          kind: "bigquery#tableList",
          tables: store.listTables(datasetId!).map((t) => ({ kind: t.kind, id: t.id, tableReference: t.tableReference, type: t.type })),
          totalItems: store.listTables(datasetId!).length,
        });
      case "POST datasets/{d}/tables":
        return send(res, 200, await store.createTable(datasetId!, body));
      case "GET datasets/{d}/tables/{t}":
        return send(res, 200, await store.getTable(datasetId!, tableId!));
      case "PATCH datasets/{d}/tables/{t}":
      case "PUT datasets/{d}/tables/{t}":
        return send(res, 200, await store.patchTable(datasetId!, tableId!, body));
      case "DELETE datasets/{d}/tables/{t}":
        await store.deleteTable(datasetId!, tableId!);
        return send(res, 204);
      case "POST datasets/{d}/tables/{t}/insertAll": {
        const s = stats();
        s.insertAllRequests++;
        const rows = Array.isArray(body["rows"]) ? (body["rows"] as unknown[]) : [];
        s.rowsReceived += rows.length;
        const outcome = await store.insertAll(datasetId!, tableId!, body as Parameters<Store["insertAll"]>[2]);
        s.rowsInserted += outcome.inserted;
        s.rowsDeduplicated += outcome.deduplicated;
        s.rowsRejected += outcome.rejected;
        return send(res, 200, { kind: "bigquery#tableDataInsertAllResponse", ...(outcome.insertErrors.length ? { insertErrors: outcome.insertErrors } : {}) });
      }
      case "GET datasets/{d}/tables/{t}/data": {
        await store.getTable(datasetId!, tableId!); // 404 first
        const job = await runJob({
          query: `SELECT * FROM \`${datasetId}.${tableId}\``,
          formatOptions: { useInt64Timestamp: q["formatOptions.useInt64Timestamp"] !== "false" },
        });
        const { rows, totalRows, pageToken } = page(job, q);
        return send(res, 200, { kind: "bigquery#tableDataList", totalRows, ...(rows ? { rows } : {}), ...(pageToken ? { pageToken } : {}) });
      }
      case "POST queries": {
        const job = await runJob(body as unknown as QueryRequest);
        return send(res, 200, { kind: "bigquery#queryResponse", ...page(job, body) });
      }
      case "GET queries/{d}": {
        const job = jobs.get(datasetId!);
        if (!job) return sendError(res, 404, "notFound", `Not found: Job ${projectId}:US.${datasetId}`);
        return send(res, 200, { kind: "bigquery#getQueryResultsResponse", ...page(job, q) });
      }
      case "POST jobs": {
        const configuration = (body["configuration"] ?? {}) as { query?: QueryRequest & { destinationTable?: unknown }; dryRun?: boolean };
        if (!configuration.query || configuration.dryRun || configuration.query.destinationTable) {
          return sendError(res, 400, "invalid", "Only query jobs without dryRun or destinationTable are supported by the local BigQuery stand-in");
        }
        const job = await runJob(configuration.query);
        return send(res, 200, jobResource(job));
      }
      case "GET jobs/{d}": {
        const job = jobs.get(datasetId!);
        if (!job) return sendError(res, 404, "notFound", `Not found: Job ${projectId}:US.${datasetId}`);
        return send(res, 200, jobResource(job));
      }
      default:
        return sendError(res, 404, "notFound", `The local BigQuery stand-in does not serve ${method} ${url.pathname}`);
    }
  };

  const front = await startFaultyHttpServer({
    port,
    maxRequestBytes: MAX_REQUEST_BYTES,
    handle,
    outage: (res) => sendError(res, 503, "backendError", "The service is currently unavailable."),
    tooLarge: (res) => sendError(res, 413, "invalid", "Request payload size exceeds the limit: 10485760 bytes."),
    failed: (res, error) => {
      if (error instanceof BigQueryError) return sendError(res, error.code, error.reason, error.message);
      sendError(res, 500, "internalError", `local BigQuery stand-in: ${error instanceof Error ? error.message : String(error)}`);
    },
  });
  return { port: front.port, fault: front.fault, close: front.close };

}
