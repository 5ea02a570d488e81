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
  /** Request units charged (x-ms-request-charge), by the rule in `chargeOf`. */
  requestUnits: number;
  /** Item requests answered 429 because their container had spent its RU/s budget (faults not counted). */
  throttled: number;
}

export interface ServerOptions {
  port: number;
  /** The wait a throttled (429) answer asks for, in `x-ms-retry-after-ms`. */
  throttleRetryAfterMs: number;
  /** Each container's budget in request units per second; past it, item requests get 429. Infinity: none. */
  ruPerSecond: number;
}

export interface CosmosServer {
  endpoint: string;
  fault(mode: CosmosFault): void;
  stats(): CosmosStats;
  resetStats(): void;
  /** Sets every container's RU/s budget (Infinity: none). */
  setRuPerSecond(ruPerSecond: number): void;
  clear(): void;
  close(): Promise<void>;
}

/**
 * What a request costs, by the published rule of thumb (PRICES.md [38]): a point read 1 RU per KB read; an insert
 * about 5.5 RU per KB written, a replace (and an upsert or patch that overwrites) twice that, a delete as an insert;
 * a query or feed page 1 RU per KB returned, at least 1; anything else 1. Real charges also depend on indexing and
 * query plans: the gap is listed in local-stack/README.md.
 */
export function chargeOf(kind: Kind, method: string | undefined, status: number, requestBytes: number, responseBytes: number, operations?: BatchOperation[]): number {
  const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
  if (status === 429) return 0;
  switch (kind) {
    case "read":
    case "query":
    case "feed":
      return kb(responseBytes);
    case "write": {
      const insert = 5.5 * kb(requestBytes);
      if (method === "DELETE") return 5.5;
      // A POST that answered 201 created the item; a PUT, PATCH or an upsert that answered 200 overwrote one.
      return status === 201 ? insert : 2 * insert;
    }
    case "batch":
      return (operations ?? []).reduce((sum, op) => sum + (op.type === "Read" ? 1 : op.type === "Create" ? 5.5 * kb(op.bytes) : op.type === "Delete" ? 5.5 : 11 * kb(op.bytes)), 0);
    default:
      return 1;
  }
}
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

interface BatchOperation {
  type: string;
  /** The operation's item, as JSON. */
  bytes: number;
}

/** A batch or bulk request's operations (the client sends them as a JSON array). */
function batchOperations(body: Buffer): BatchOperation[] {
  let operations: unknown;
  try {
    operations = JSON.parse(body.toString("utf8"));
  } catch {
    return [];
  }
  if (!Array.isArray(operations)) return [];
  return operations.map((op: { operationType?: unknown; resourceBody?: unknown } | null) => ({
    type: String(op?.operationType ?? ""),
    bytes: op?.resourceBody === undefined ? 0 : Buffer.byteLength(JSON.stringify(op.resourceBody)),
  }));
}

/** The container a request addresses (dbs/{db}/colls/{coll}), or undefined for account and metadata requests. */
const containerOf = (path: string) => /^\/dbs\/[^/]+\/colls\/[^/]+(?=\/docs)/.exec(path)?.[0];

/**
 * A container's RU/s budget as Cosmos enforces it: charges are taken after each request, the balance refills at
 * the budget per second up to one second's worth, and while it is negative item requests are answered 429 with the
 * wait until it is positive again.
 */
class RuBudget {
  private readonly perSecond: number;
  private balance: number;
  private at = Date.now();
  constructor(perSecond: number) {
    this.perSecond = perSecond;
    this.balance = perSecond;
  }
  /** Milliseconds to wait before a request may run; 0 when it may run now. */
  waitMs(now = Date.now()): number {
    this.balance = Math.min(this.perSecond, this.balance + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    return this.balance > 0 ? 0 : Math.ceil((-this.balance / this.perSecond) * 1000) + 1;
  }
  charge(units: number): void {
    this.balance -= units;
  }
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

const NO_STATS: CosmosStats = { requests: 0, reads: 0, writes: 0, requestUnits: 0, throttled: 0 };

export async function startServer({ port, throttleRetryAfterMs, ruPerSecond: initialRuPerSecond }: ServerOptions): Promise<CosmosServer> {
  let fault: CosmosFault = false;
  let stats: CosmosStats = { ...NO_STATS };
  let ruPerSecond = initialRuPerSecond;
  let budgets = new Map<string, RuBudget>();
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

    const path = pathOf(req);
    const kind = kindOf(req, path);
    const container = containerOf(path);
    const budget = container && Number.isFinite(ruPerSecond) ? (budgets.get(container) ?? budgets.set(container, new RuBudget(ruPerSecond)).get(container)) : undefined;
    const waitMs = budget?.waitMs() ?? 0;
    if (waitMs > 0) {
      stats.throttled += 1;
      res.statusCode = 429;
      res.setHeader("x-ms-retry-after-ms", String(waitMs));
      res.setHeader("x-ms-substatus", "3200");
      res.setHeader("x-ms-request-charge", "0");
      return void res.end(JSON.stringify({ code: "TooManyRequests", message: `Request rate is large: ${container} spent its ${ruPerSecond} RU/s.` }));
    }
    const operations = kind === "batch" ? batchOperations(body) : undefined;
    if (kind === "write") stats.writes += 1;
    if (kind === "read" || kind === "query" || kind === "feed") stats.reads += 1;
    if (operations) {
      stats.reads += operations.filter((op) => op.type === "Read").length;
      stats.writes += operations.filter((op) => WRITE_OPERATIONS.has(op.type)).length;
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
    if (req.headers["x-ms-documentdb-populatequerymetrics"]) res.setHeader("x-ms-documentdb-query-metrics", QUERY_METRICS);
    if (req.headers["a-im"] && res.statusCode === 200) {
      // the package's change feed: never anything new after the first page
      if (req.headers["if-none-match"]) res.statusCode = 304;
      res.setHeader("etag", "1");
    }
    const payload = JSON.stringify(result) ?? "";
    const charge = chargeOf(kind, req.method, res.statusCode, body.length, Buffer.byteLength(payload), operations);
    stats.requestUnits += charge;
    budget?.charge(charge);
    res.setHeader("x-ms-request-charge", String(charge));
    res.end(payload);
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
    resetStats: () => void (stats = { ...NO_STATS }),
    setRuPerSecond(value) {
      ruPerSecond = value;
      budgets = new Map();
    },
    clear: () => void (account = new Account("127.0.0.1", address.port)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const res of held) res.destroy();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
