/**
 * The HTTP transport of the Upstash client: a `Requester` (@upstash/redis's documented way to bring one) over
 * node:http(s) with keep-alive, in place of the SDK's own, which goes through the global `fetch`. Per request, undici's
 * fetch builds a Request, a Response and web streams for a body of a few hundred bytes: profiled on the callable host
 * (docs/benchmarks.md), that was the largest part of a ping's CPU beyond an empty callable's.
 *
 * It behaves as the SDK's transport does where the product relies on it: POST of the JSON command (or pipeline) to
 * the REST URL with the bearer token; an HTTP error answers `UpstashError` with Upstash's message; an answer that is
 * not JSON, `UpstashJSONParseError`; the read-your-writes sync token is kept and sent. Where it differs it is
 * explicit: no answer in time rejects with `UpstashTimeoutError` (never retried: the command may have been applied),
 * and a failed connection with `UpstashConnectionError` carrying the socket's error code, retried `retries` times.
 */
import http from "node:http";
import https from "node:https";
import { errors, type Requester, type UpstashRequest, type UpstashResponse } from "@upstash/redis";

export interface TransportOptions {
  url: string;
  token: string;
  /** Deadline of one request, retries included. */
  timeoutMs: number;
  /** Further attempts after a failed connection. */
  retries: number;
  /** @default 20 */
  retryDelayMs?: number;
}

/** No answer within the deadline. The command may still have been applied. */
export class UpstashTimeoutError extends Error {
  override name = "UpstashTimeoutError";
}

/** The connection failed before an answer: `code` is the socket's (ECONNREFUSED, ECONNRESET, ENOTFOUND, ...). */
export class UpstashConnectionError extends Error {
  override name = "UpstashConnectionError";
  readonly code: string | undefined;
  constructor(cause: unknown) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    super(`Upstash connection failed${typeof code === "string" ? ` (${code})` : ""}`, { cause });
    this.code = typeof code === "string" ? code : undefined;
  }
}

/**
 * Idle keep-alive sockets are closed after this long, or 1 s before the server's `Keep-Alive: timeout=` hint if that is
 * sooner (Node's Agent honours the hint only when it has a timeout of its own). A socket the server closes while we
 * reuse it fails the request with ECONNRESET: a ping then takes the degraded path, which is safe but costs more.
 */
const IDLE_SOCKET_TIMEOUT_MS = 30_000;

interface Answer {
  status: number;
  text: string;
  syncToken: string | undefined;
}

export function nodeHttpRequester(options: TransportOptions): Requester {
  const base = new URL(options.url);
  const secure = base.protocol === "https:";
  const send = secure ? https.request : http.request;
  const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS };
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const basePath = base.pathname.replace(/\/$/, "");
  const authorization = `Bearer ${options.token}`;
  const retryDelayMs = options.retryDelayMs ?? 20;

  const attempt = (path: string, headers: http.OutgoingHttpHeaders, body: string, deadline: number) =>
    new Promise<Answer>((resolve, reject) => {
      const fail = (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof UpstashTimeoutError ? error : new UpstashConnectionError(error));
      };
      const request = send({ protocol: base.protocol, hostname: base.hostname, port: base.port, path, method: "POST", headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", fail); // the connection dropped mid-answer, or the deadline passed (destroy below)
        response.on("end", () => {
          clearTimeout(timer);
          const syncToken = response.headers["upstash-sync-token"];
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), syncToken: typeof syncToken === "string" ? syncToken : undefined });
        });
      });
      const timer = setTimeout(() => request.destroy(new UpstashTimeoutError(`no answer from Upstash within ${options.timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
      request.on("error", fail);
      request.end(body);
    });

  const requester: Requester = {
    readYourWrites: true,
    upstashSyncToken: "",
    async request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      if (req.isStreaming) throw new Error("Streaming commands (SUBSCRIBE) are not supported by this transport");
      const body = JSON.stringify(req.body);
      const path = `${basePath}/${(req.path ?? []).join("/")}`;
      const headers: http.OutgoingHttpHeaders = {
        authorization,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        ...(requester.upstashSyncToken ? { "upstash-sync-token": requester.upstashSyncToken } : {}),
        ...req.headers,
      };
      const deadline = Date.now() + options.timeoutMs;
      let answer: Answer | undefined;
      for (let tries = 0; !answer; tries++) {
        try {
          answer = await attempt(path, headers, body, deadline);
        } catch (error) {
          if (!(error instanceof UpstashConnectionError) || tries >= options.retries) throw error;
          await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
        }
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.text);
      } catch (error) {
        throw new errors.UpstashJSONParseError(answer.text, { cause: error });
      }
      if (answer.status < 200 || answer.status > 299) {
        throw new errors.UpstashError(`${(parsed as { error?: unknown }).error}, command was: ${body}`);
      }
      if (answer.syncToken !== undefined) requester.upstashSyncToken = answer.syncToken;
      return parsed as UpstashResponse<TResult>;
    },
  };
  return requester;
}
