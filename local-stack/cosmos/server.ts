/**
 * The HTTP front of the Cosmos stand-in: one node:http server that counts requests, injects faults and
 * hands each request to the package's handler for its route, or to ours (handlers.ts) where the package
 * differs from Cosmos. It replaces the package's own request loop (lib/index.js), which cannot be hooked.
 */
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { databaseAccount, isQueryPlanRequest, queryDocuments, readDocuments, refuseQueryPlan } from "./handlers.ts";
import { Account, route } from "./package.ts";

export type CosmosFault = false | "refuse" | "timeout" | "error" | "throttle";

export interface CosmosStats {
  /** Every HTTP request, metadata, query plans and faulted ones included. */
  requests: number;
  /** Point reads, query and read-feed pages of items, read operations in a batch. */
  reads: number;
  /** Creates, upserts, replaces, deletes and patches of items, each operation in a batch or bulk request. */
  writes: number;
}

export interface ServerOptions {
  port: number;
  /** The wait a throttled (429) answer asks for, in `x-ms-retry-after-ms`. */
  throttleRetryAfterMs: number;
}

export interface CosmosServer {
  endpoint: string;
  fault(mode: CosmosFault): void;
  stats(): CosmosStats;
  resetStats(): void;
  clear(): void;
  close(): Promise<void>;
}

/** Real Cosmos answers every request with an activity id and a charge; the client copies them into results. */
const REQUEST_CHARGE = "1";
/** Longer than the client's idle sockets live, so the server never closes one the client is about to reuse. */
const KEEP_ALIVE_MS = 65_000;
/** Query metrics the package sends when asked (`x-ms-documentdb-populatequerymetrics`), all zero. */
const QUERY_METRICS =
  "totalExecutionTimeInMs=0.00;queryCompileTimeInMs=0.00;queryLogicalPlanBuildTimeInMs=0.00;queryPhysicalPlanBuildTimeInMs=0.00;queryOptimizationTimeInMs=0.00;VMExecutionTimeInMs=0.00;indexLookupTimeInMs=0.00;documentLoadTimeInMs=0.00;systemFunctionExecuteTimeInMs=0.00;userFunctionExecuteTimeInMs=0.00;retrievedDocumentCount=0;retrievedDocumentSize=0;outputDocumentCount=1;outputDocumentSize=0;writeOutputTimeInMs=0.00;indexUtilizationRatio=0.00";

const DOCS = /^\/dbs\/[^/]+\/colls\/[^/]+\/docs$/;
const DOC = /^\/dbs\/[^/]+\/colls\/[^/]+\/docs\/[^/]+$/;
const WRITE_OPERATIONS = new Set(["Create", "Upsert", "Replace", "Delete", "Patch"]);

const isTrue = (req: IncomingMessage, header: string) => String(req.headers[header] ?? "").toLowerCase() === "true";

function pathOf(req: IncomingMessage): string {
  // @azure/cosmos sends `//dbs/...` (the account's `_dbs` link); the package's router strips it the same way
  const path = new URL(req.url ?? "/", "http://cosmos").pathname.replace(/^\/\//, "/");
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

type Kind = "account" | "query-plan" | "query" | "feed" | "batch" | "read" | "write" | "other";

function kindOf(req: IncomingMessage, path: string): Kind {
  const { method } = req;
  if (path === "/" && method === "GET") return "account";
  if (DOCS.test(path)) {
    if (method === "GET") return "feed";
    if (method !== "POST") return "other";
    if (isQueryPlanRequest(req)) return "query-plan";
    if (isTrue(req, "x-ms-documentdb-isquery") || req.headers["content-type"] === "application/query+json") return "query";
    if (isTrue(req, "x-ms-cosmos-is-batch-request")) return "batch";
    return "write"; // create or upsert
  }
  if (DOC.test(path)) return method === "GET" ? "read" : "write";
  return "other";
}

/** A batch or bulk request's operations by type (the client sends them as a JSON array). */
function batchOperations(body: Buffer): { reads: number; writes: number } {
  let operations: unknown;
  try {
    operations = JSON.parse(body.toString("utf8"));
  } catch {
    return { reads: 0, writes: 0 };
  }
  if (!Array.isArray(operations)) return { reads: 0, writes: 0 };
  const types = operations.map((op: { operationType?: unknown } | null) => String(op?.operationType ?? ""));
  return { reads: types.filter((t) => t === "Read").length, writes: types.filter((t) => WRITE_OPERATIONS.has(t)).length };
}

/** The request again, with its body, for the package's handlers (they read it from the stream). */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = Readable.from(body.length ? [body] : [], { objectMode: false });
  return Object.assign(copy, { headers: req.headers, method: req.method, url: req.url }) as unknown as IncomingMessage;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startServer({ port, throttleRetryAfterMs }: ServerOptions): Promise<CosmosServer> {
  let fault: CosmosFault = false;
  let stats: CosmosStats = { requests: 0, reads: 0, writes: 0 };
  const held = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let account: Account | undefined;
  let endpoint = "";

  const answer = async (req: IncomingMessage, res: ServerResponse, kind: Kind, body: Buffer) => {
    if (kind === "account") return databaseAccount(account!, endpoint);
    if (kind === "query-plan") return refuseQueryPlan(res);
    const found = route(req);
    if (!found) {
      res.statusCode = 400;
      return { message: "no route" };
    }
    const [params, handler] = found;
    if (kind === "query") return queryDocuments(account!, req, res, params, body);
    if (kind === "feed") return readDocuments(account!, req, res, params);
    return handler(account!, replay(req, body), res, params);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests += 1;
    if (fault === "refuse") return void req.socket.destroy();
    if (fault === "timeout") {
      held.add(res);
      res.on("close", () => held.delete(res));
      return;
    }
    const body = await readBody(req);
    res.setHeader("content-type", "application/json");
    res.setHeader("x-ms-activity-id", randomUUID());
    if (fault === "error") {
      res.statusCode = 503;
      return void res.end(JSON.stringify({ code: "ServiceUnavailable", message: "Service is currently unavailable (stand-in fault)." }));
    }
    if (fault === "throttle") {
      res.statusCode = 429;
      res.setHeader("x-ms-retry-after-ms", String(throttleRetryAfterMs));
      res.setHeader("x-ms-substatus", "3200"); // RU budget exceeded
      return void res.end(JSON.stringify({ code: "TooManyRequests", message: "Request rate is large (stand-in fault)." }));
    }

    const kind = kindOf(req, pathOf(req));
    if (kind === "write") stats.writes += 1;
    if (kind === "read" || kind === "query" || kind === "feed") stats.reads += 1;
    if (kind === "batch") {
      const ops = batchOperations(body);
      stats.reads += ops.reads;
      stats.writes += ops.writes;
    }

    let result: unknown;
    try {
      result = await answer(req, res, kind, body);
    } catch (error) {
      console.error("cosmos stand-in:", error);
      res.statusCode = 500;
      result = { code: "InternalServerError", message: error instanceof Error ? error.message : String(error) };
    }
    // as the package's request loop does
    const json = result as { _etag?: string; message?: string } | undefined;
    if (res.statusCode > 399 && json && !json.message) json.message = "";
    if (json?._etag) res.setHeader("etag", json._etag);
    res.setHeader("content-location", `${endpoint}${req.url}`);
    res.setHeader("x-ms-request-charge", REQUEST_CHARGE);
    if (req.headers["x-ms-documentdb-populatequerymetrics"]) res.setHeader("x-ms-documentdb-query-metrics", QUERY_METRICS);
    if (req.headers["a-im"] && res.statusCode === 200) {
      // the package's change feed: never anything new after the first page
      if (req.headers["if-none-match"]) res.statusCode = 304;
      res.setHeader("etag", "1");
    }
    res.end(JSON.stringify(result));
  };

  const server = http.createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error("cosmos stand-in:", error);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("cosmos stand-in: no TCP address");
  endpoint = `http://127.0.0.1:${address.port}`;
  account = new Account("127.0.0.1", address.port);

  return {
    endpoint,
    fault: (mode) => void (fault = mode),
    stats: () => ({ ...stats }),
    resetStats: () => void (stats = { requests: 0, reads: 0, writes: 0 }),
    clear: () => void (account = new Account("127.0.0.1", address.port)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const res of held) res.destroy();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
