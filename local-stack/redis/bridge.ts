import type http from "node:http";
import { startFaultyHttpServer } from "../faulty-http.ts";
import { ReplyError } from "./reply.ts";
import type { Backend, Command, Reply } from "./reply.ts";

export type RedisFault = false | "refuse" | "timeout" | "error";

/** Upstash answers 401 with this body for a missing or wrong token (the client surfaces `UpstashError: Unauthorized`). */
const UNAUTHORIZED = { error: "Unauthorized" };
/** Upstash REST: 10 MB per request (upstash.com/docs/redis/overall/billing, PRICES.md [13]). */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

type JsonReply = string | number | null | JsonReply[];
type Item = { result: JsonReply } | { error: string };

/**
 * Upstash-Encoding: base64 answers every string reply base64-encoded, recursively inside arrays, except
 * the status "OK" (@upstash/redis decodes every other string; see its `decode` in pkg/http.ts).
 */
function toJson(reply: Reply, base64: boolean): JsonReply {
  if (reply === null || typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((r) => toJson(r, base64));
  if (reply instanceof ReplyError) return reply.message;
  if (typeof reply === "string") return base64 && reply !== "OK" ? Buffer.from(reply).toString("base64") : reply;
  return base64 ? reply.toString("base64") : reply.toString("utf8");
}

const item = (reply: Reply, base64: boolean): Item =>
  reply instanceof ReplyError ? { error: reply.message } : { result: toJson(reply, base64) };

/** JSON arguments become the bytes Redis receives: strings as UTF-8, numbers and booleans as text. */
function toCommand(value: unknown): Command | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const command: Command = [];
  for (const arg of value) {
    if (typeof arg === "string") command.push(Buffer.from(arg, "utf8"));
    else if (typeof arg === "number" || typeof arg === "boolean") command.push(Buffer.from(String(arg)));
    else return undefined;
  }
  return command;
}

export interface BridgeOptions {
  port: number;
  token: string;
  backend: Backend;
  billed: (name: string, n: number) => void;
  /** The database's command rate; requests past it wait (see throttle). */
  commandsPerSecond: number;
}

/**
 * Upstash's command rate: over it, "requests wait, latency rises" (PRICES.md [16]) rather than fail. A leaky bucket:
 * every request books its commands at `commandsPerSecond` after those booked before it; an idle database has a
 * second's worth in hand (a burst goes at once), and a request waits until its booking is due. Answers the
 * milliseconds it waited.
 */
export function throttle(commandsPerSecond: number): (commands: number) => Promise<number> {
  const BURST_MS = 1_000;
  let bookedUntil = Number.NEGATIVE_INFINITY;
  return async (commands) => {
    const now = performance.now();
    bookedUntil = Math.max(bookedUntil, now - BURST_MS) + (commands * 1_000) / commandsPerSecond;
    // Under a millisecond is no wait: a burst booked exactly to `now` comes out a hair over it in floating point.
    const wait = bookedUntil - now;
    if (wait < 1) return 0;
    await new Promise((resolve) => setTimeout(resolve, wait));
    return wait;
  };
}

export interface Bridge {
  url: string;
  /** Requests that waited for the command rate, and how long in all. */
  throttled(): { requests: number; waitedMs: number };
  fault(mode: RedisFault): void;
  close(): Promise<void>;
}

/** The Upstash REST API on node:http: `/`, `/pipeline`, `/multi-exec` and the `/cmd/arg/...` path form. */
export async function startBridge({ port, token, backend, billed, commandsPerSecond }: BridgeOptions): Promise<Bridge> {
  let syncToken = 0;
  const rate = throttle(commandsPerSecond);
  const throttled = { requests: 0, waitedMs: 0 };
  const run: Backend["run"] = async (commands, atomic, bill) => {
    const waited = await rate(commands.length);
    if (waited > 0) {
      throttled.requests++;
      throttled.waitedMs += waited;
    }
    return backend.run(commands, atomic, bill);
  };

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      // read-your-writes: one node is always consistent, but the client expects a token back
      "upstash-sync-token": String(++syncToken),
    });
    res.end(text);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    const url = new URL(req.url ?? "/", "http://bridge");
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if ((bearer ?? url.searchParams.get("_token")) !== token) return send(res, 401, UNAUTHORIZED);
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const route = url.pathname.replace(/\/+$/, "");

    if (route === "" || route === "/pipeline" || route === "/multi-exec") {
      if (req.method !== "POST") return send(res, 405, { error: "Method Not Allowed" });
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        return send(res, 400, { error: "ERR failed to parse command" });
      }
      if (route === "") {
        const command = toCommand(parsed);
        if (!command) return send(res, 400, { error: "ERR failed to parse command" });
        const [reply] = (await run([command], false, billed)) as Reply[];
        return reply instanceof ReplyError ? send(res, 400, { error: reply.message }) : send(res, 200, { result: toJson(reply ?? null, base64) });
      }
      const commands = Array.isArray(parsed) ? parsed.map(toCommand) : [];
      if (!commands.length || commands.some((c) => !c)) return send(res, 400, { error: "ERR failed to parse pipeline request" });
      const replies = await run(commands as Command[], route === "/multi-exec", billed);
      if (replies instanceof ReplyError) return send(res, 400, { error: replies.message });
      return send(res, 200, replies.map((r) => item(r, base64)));
    }

    // Path form: /set/foo/bar?EX=100, a POST body appended as the last argument before the query ones.
    if (!["GET", "POST", "PUT", "HEAD"].includes(req.method ?? "")) return send(res, 405, { error: "Method Not Allowed" });
    const command: Command = route.split("/").slice(1).map((s) => Buffer.from(decodeURIComponent(s), "utf8"));
    if (body.length) command.push(body);
    for (const [name, value] of url.searchParams) {
      if (name === "_token") continue;
      command.push(Buffer.from(name));
      if (value) command.push(Buffer.from(value));
    }
    const [reply] = (await run([command], false, billed)) as Reply[];
    return reply instanceof ReplyError ? send(res, 400, { error: reply.message }) : send(res, 200, { result: toJson(reply ?? null, base64) });
  };

  const front = await startFaultyHttpServer({
    port,
    maxRequestBytes: MAX_REQUEST_BYTES,
    handle,
    outage: (res) => send(res, 503, { error: "Service Unavailable" }),
    tooLarge: (res) => send(res, 400, { error: "ERR max request size exceeded" }),
    // the backend went away (redis-server died): answer as Upstash does when it cannot reach the node
    failed: (res, error) => send(res, 500, { error: `ERR ${error instanceof Error ? error.message : String(error)}` }),
  });
  return { url: `http://127.0.0.1:${front.port}`, throttled: () => ({ ...throttled }), fault: front.fault, close: front.close };

}
