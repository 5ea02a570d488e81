/**
 * Serves every exported callable at the Functions emulator's URL scheme, http://127.0.0.1:PORT/{project}/{region}/{name},
 * through the real firebase-functions onCall handler. Like the emulator, it accepts unsigned ID tokens (alg "none");
 * that mode only exists on loopback for `demo-` projects, and the product's callable wrapper refuses it elsewhere.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { FunctionExport } from "./functions-module.ts";
import { BodyTooLargeError, MAX_FUNCTION_BODY_BYTES, readBody } from "./http-body.ts";


export interface CallableHost {
  port: number;
  /** Base URL of the callables: `${baseUrl}/${name}`. */
  baseUrl: string;
  urlOf(name: string): string;
  /** Calls answered since start or the last resetStats(), by function. */
  stats(): Record<string, number>;
  /**
   * Wall milliseconds each callable's requests were in the handler (request read to answer sent), summed: what a
   * Cloud Run instance bills (instance time while a request is active), before concurrency shares it.
   */
  busyMs(): Record<string, number>;
  resetStats(): void;
  stop(): Promise<void>;
}

export interface CallableHostOptions {
  callables: Map<string, FunctionExport>;
  projectId: string;
  region: string;
  port?: number;
  /** Extra JSON routes under `/__stack/` (loopback-only tooling: stats, idle, schedules). */
  control?: (path: string) => ((req: IncomingMessage, res: ServerResponse) => Promise<unknown>) | undefined;
}

/** The env that puts firebase-functions in the emulator's unverified-token mode; set before firebase-functions loads. */
export const EMULATOR_TOKEN_ENV = {
  FUNCTIONS_EMULATOR: "true",
  FIREBASE_DEBUG_MODE: "true",
  FIREBASE_DEBUG_FEATURES: JSON.stringify({ skipTokenVerification: true }),
} as const;

export async function startCallableHost(options: CallableHostOptions): Promise<CallableHost> {
  const { callables, projectId, region } = options;
  if (!projectId.startsWith("demo-")) {
    throw new Error(`The callable host serves unverified tokens, so it only runs for demo- projects (got ${projectId})`);
  }
  const counts: Record<string, number> = {};
  const busy: Record<string, number> = {};
  const server = createServer((req, res) => {
    const controlPath = /^\/__stack\/([^?]+)/.exec(req.url ?? "")?.[1];
    if (controlPath !== undefined) {
      void serveControl(options.control?.(controlPath), req, res);
      return;
    }
    const name = routeName(req.url ?? "", projectId, region);
    const fn = name ? callables.get(name) : undefined;
    if (!name || !fn) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { status: "NOT_FOUND", message: "No such function" } }));
      return;
    }
    counts[name] = (counts[name] ?? 0) + 1;
    const started = performance.now();
    res.once("finish", () => (busy[name] = (busy[name] ?? 0) + performance.now() - started));
    void serve(fn, req, res);
  });
  server.keepAliveTimeout = 30_000;
  const port = await listen(server, options.port ?? 0);
  const baseUrl = `http://127.0.0.1:${port}/${projectId}/${region}`;
  return {
    port,
    baseUrl,
    urlOf: (name) => `${baseUrl}/${name}`,
    stats: () => ({ ...counts }),
    busyMs: () => Object.fromEntries(Object.entries(busy).map(([name, ms]) => [name, Math.round(ms)])),
    resetStats: () => {
      for (const key of Object.keys(counts)) delete counts[key];
      for (const key of Object.keys(busy)) delete busy[key];
    },
    stop: () => close(server),
  };
}

function routeName(url: string, projectId: string, region: string): string | undefined {
  const [path] = url.split("?");
  const parts = (path ?? "").split("/").filter(Boolean);
  return parts.length === 3 && parts[0] === projectId && parts[1] === region ? parts[2] : undefined;
}

/** Runs an HTTP function on a request, as its instance would: the Express slice firebase-functions uses, over node:http. */
export async function serve(fn: FunctionExport, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const rawBody = await readBody(req, MAX_FUNCTION_BODY_BYTES);
    const request = asExpressRequest(req, rawBody);
    const response = asExpressResponse(res);
    await (fn as unknown as (req: unknown, res: unknown) => Promise<void>)(request, response);
  } catch (error) {
    if (!res.headersSent) {
      const tooLarge = error instanceof BodyTooLargeError;
      res.writeHead(tooLarge ? 413 : 500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { status: tooLarge ? "INVALID_ARGUMENT" : "INTERNAL", message: tooLarge ? "Request too large" : "Internal error" } }));
    } else {
      res.destroy();
    }
  }
}

async function serveControl(
  route: ((req: IncomingMessage, res: ServerResponse) => Promise<unknown>) | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const body = route ? await route(req, res) : undefined;
    res.writeHead(route ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(body ?? { error: "no such control route" }));
  } catch (error) {
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
  }
}

/**
 * Runs an HTTP function on a request built in memory, through the same Express slice as `serve`: for the task
 * queues' attempts, which Cloud Tasks POSTs over HTTP. Over loopback that round trip cost as much CPU as the delivery
 * it carried, and the handler sees the same request either way. Resolves with the status once the handler returns.
 */
export async function invoke(fn: FunctionExport, request: { url: string; headers: Record<string, string>; body: Buffer }): Promise<{ status: number }> {
  const req = Object.assign(Readable.from(request.body.length ? [request.body] : []), { method: "POST", url: request.url, headers: request.headers });
  const res = new MemoryResponse();
  await serve(fn, req as unknown as IncomingMessage, res as unknown as ServerResponse);
  return { status: res.statusCode };
}

/** The part of a ServerResponse that `serve` and firebase-functions use, kept in memory. */
class MemoryResponse {
  statusCode = 200;
  headersSent = false;
  private readonly headers = new Map<string, unknown>();
  setHeader(name: string, value: unknown): this {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }
  getHeader(name: string): unknown {
    return this.headers.get(name.toLowerCase());
  }
  writeHead(status: number, headers: Record<string, unknown> = {}): this {
    this.statusCode = status;
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
    this.headersSent = true;
    return this;
  }
  end(): this {
    this.headersSent = true;
    return this;
  }
  destroy(): void {
    this.headersSent = true;
  }
}

/** The slice of an Express request that onCall reads: body (parsed JSON), rawBody, header()/get(). */
function asExpressRequest(req: IncomingMessage, rawBody: Buffer): IncomingMessage {
  const isJson = (req.headers["content-type"] ?? "").toLowerCase().startsWith("application/json");
  let body: unknown = {};
  if (isJson && rawBody.length) {
    try {
      body = JSON.parse(rawBody.toString("utf8"));
    } catch {
      body = undefined; // onCall answers INVALID_ARGUMENT "Bad Request" for a missing body, as for malformed JSON
    }
  }
  normaliseEmulatorToken(req);
  const header = (name: string) => {
    const value = req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(", ") : value;
  };
  return Object.assign(req, { body, rawBody, header, get: header });
}

/** The slice of an Express response that onCall and its CORS middleware use. */
function asExpressResponse(res: ServerResponse): ServerResponse {
  const send = (payload: unknown) => {
    if (payload !== undefined && typeof payload !== "string" && !Buffer.isBuffer(payload)) return json(payload);
    res.end(payload);
    return response;
  };
  const json = (payload: unknown) => {
    if (!res.headersSent) res.setHeader("content-type", "application/json; charset=utf-8");
    res.end(JSON.stringify(payload));
    return response;
  };
  const response = Object.assign(res, {
    status: (code: number) => {
      res.statusCode = code;
      return response;
    },
    send,
    json,
    set: (name: string, value: string) => {
      res.setHeader(name, value);
      return response;
    },
  });
  return response;
}

/** The Auth emulator puts the uid in both `sub` and `user_id`; firebase-functions reads `sub`, so fill it from `user_id`. */
function normaliseEmulatorToken(req: IncomingMessage): void {
  const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "");
  const parts = match?.[1]?.split(".");
  if (!parts || parts.length !== 3) return;
  try {
    const payload = JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8"));
    if (payload.sub || !payload.user_id) return;
    payload.sub = payload.user_id;
    parts[1] = Buffer.from(JSON.stringify(payload)).toString("base64url");
    req.headers.authorization = `Bearer ${parts.join(".")}`;
  } catch {
    // not a JWT: firebase-functions answers UNAUTHENTICATED itself
  }
}

/**
 * Pending connections the kernel holds per server (capped by net.core.somaxconn). Node's default, 511, overflowed
 * when a burst of triggers each enqueued a task at once: clients met resets and firebase-admin's retries backed off
 * for tens of seconds.
 */
const LISTEN_BACKLOG = 4096;

export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", LISTEN_BACKLOG, () => resolve((server.address() as AddressInfo).port));
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
