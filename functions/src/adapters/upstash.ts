/** Upstash Redis through its official REST client, created once per instance on first use. */
import { Redis, type Requester } from "@upstash/redis";
import { serviceAddress, UPSTASH_TIMEOUT_MS, UPSTASH_TOKENS, UPSTASH_URLS } from "../config.js";
import { UnavailableError } from "../errors.js";
import { nodeHttpRequester, UpstashConnectionError, UpstashTimeoutError } from "./upstash-transport.js";

/**
 * How long one request of the flush may take: a page is a pipeline of up to 500 HGETALLs (FLUSH_PAGE_SIZE) and its
 * clean-up, far more than a ping's HSET. At the ping's 500 ms, flushes on a busy instance timed out and flushNow
 * answered INTERNAL (found by npm run fuzz); 10 s is still far inside the flush's own deadline (540 s).
 */
export const REDIS_BULK_TIMEOUT_MS = 10_000;

const clients = new Map<string, Redis>();

/** One client per shard and kind, created on first use; a shard's URL is read then (param values are fixed per instance). */
function clientOf(kind: "request" | "hset" | "bulk", shard: number, timeoutMs: number, retries: number): Redis {
  const id = `${kind}:${shard}`;
  let client = clients.get(id);
  if (!client) {
    const url = UPSTASH_URLS[shard];
    const token = UPSTASH_TOKENS[shard];
    if (!url || !token) throw new UnavailableError(`Upstash shard ${shard} is not configured in this deploy`);
    client = createUpstashClient({ url: serviceAddress(url), token: token.value(), timeoutMs, retries });
    clients.set(id, client);
  }
  return client;
}

/** The client of the request paths (reads) of a shard: a slow Redis is given up on quickly. */
export function upstash(shard = 0): Redis {
  return clientOf("request", shard, UPSTASH_TIMEOUT_MS.value(), 1);
}

/**
 * The client of the ping's HSET: as quick, and never retried. A ping that got no answer in time is not waited on a
 * second time: it is shed or degraded at once (progress/ping.ts); the HSET is idempotent, so one applied late is harmless.
 */
export function upstashForHset(shard = 0): Redis {
  return clientOf("hset", shard, UPSTASH_TIMEOUT_MS.value(), 0);
}

/** The client of bulk work (the flush): the same Redis, with time for big pipelines. */
export function upstashBulk(shard = 0): Redis {
  return clientOf("bulk", shard, REDIS_BULK_TIMEOUT_MS, 1);
}

/**
 * A client as the product configures it: the node:http transport (upstash-transport.ts), giving up after `timeoutMs`,
 * retrying a failed connection `retries` times (one quick retry at most: a hot path that waited out the SDK's default
 * 5 retries with backoff would stall pings). Exported for tests, which must talk to the stand-in the same way.
 */
export function createUpstashClient(options: { url: string; token: string; timeoutMs: number; retries: number }): Redis {
  return new RawRedis(nodeHttpRequester(options));
}

/**
 * `new Redis(requester)` takes no command options; these make values come back as the strings Redis holds, so the
 * layout code decides what is a number (the SDK's automatic deserialization guesses by parsing JSON).
 */
class RawRedis extends Redis {
  constructor(requester: Requester) {
    super(requester);
    this.opts = { automaticDeserialization: false };
  }
}

/**
 * Whether a failed request means Upstash could not be reached, as opposed to Redis refusing a command (a bug: WRONGTYPE,
 * a syntax error): no answer in time, no connection (refused, reset, DNS, TLS), an answer that is not Upstash's JSON
 * (a gateway's error page), or HTTP 503, which Upstash answers while it is offline
 * (upstash.com/docs/devops/developer-api/http_status_codes).
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof UpstashTimeoutError || error instanceof UpstashConnectionError) return true;
  if (!(error instanceof Error)) return false;
  if (error.name === "UpstashJSONParseError") return true;
  return error.name === "UpstashError" && error.message.startsWith("Service Unavailable");
}

/** Socket errors that mean the request never left: nothing was sent, so nothing can have been applied. */
const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * Whether a failed request certainly never reached Redis: the connection was refused or the host not found, so no
 * command of it can have been applied. A timeout or a reset connection may have been applied, or not.
 */
export function refusedBeforeSending(error: unknown): boolean {
  return error instanceof UpstashConnectionError && error.code !== undefined && NEVER_SENT.has(error.code);
}

/**
 * A hash as Redis returns it to a client without automatic deserialization: HGETALL answers a flat
 * `[field, value, field, value, ...]` list (or null for a missing key). Values stay strings.
 */
export function hashFromReply(reply: unknown): Record<string, string> {
  if (Array.isArray(reply)) {
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) hash[String(reply[i])] = String(reply[i + 1]);
    return hash;
  }
  if (reply && typeof reply === "object") {
    return Object.fromEntries(Object.entries(reply).map(([field, value]) => [field, String(value)]));
  }
  return {};
}

/** At most this many commands per coalesced pipeline (Upstash: 10 MB per request; a ping's HSET is < 6 KB). */
export const MAX_COALESCED_COMMANDS = 1_000;

type HsetClient = Pick<Redis, "pipeline">;

/**
 * HSETs issued during one turn of the event loop — the pings of every request that arrived together on an
 * instance serving up to 80 at once — go to Upstash as one `/pipeline` request. Upstash bills each command inside
 * a pipeline, so the bill is unchanged; what is saved is the instance's CPU for one HTTPS request per ping, which
 * costs more than serving the callable itself. (@upstash/redis's own auto-pipelining only joins commands issued
 * within the same microtask, so concurrent requests never share a request.)
 */
export function coalescingHset(client: HsetClient): (key: string, fields: Record<string, string>) => Promise<number> {
  let queue: { key: string; fields: Record<string, string>; resolve: (added: number) => void; reject: (error: unknown) => void }[] = [];

  const send = async (batch: typeof queue) => {
    try {
      const pipeline = client.pipeline();
      for (const { key, fields } of batch) pipeline.hset(key, fields);
      const results = await pipeline.exec({ keepErrors: true });
      results.forEach(({ result, error }, index) => {
        const entry = batch[index];
        if (error) entry?.reject(new Error(error));
        else entry?.resolve(Number(result));
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  };

  return (key, fields) =>
    new Promise<number>((resolve, reject) => {
      if (!queue.length) {
        setImmediate(() => {
          const pending = queue;
          queue = [];
          for (let start = 0; start < pending.length; start += MAX_COALESCED_COMMANDS) {
            void send(pending.slice(start, start + MAX_COALESCED_COMMANDS));
          }
        });
      }
      queue.push({ key, fields, resolve, reject });
    });
}
