/**
 * Firestore's Listen for the Firebase JS SDK in a browser, which speaks WebChannel (closure's BrowserChannel wire
 * format, version 8) over HTTP/1.1 rather than gRPC. Served on the stand-in's one port, beside gRPC (index.ts tells
 * them apart by their first bytes), as the official emulator serves both.
 *
 * The wire, as closure-library's webchannelbase.js and channelrequest.js speak it:
 * - Forward channel: POSTs of form-encoded maps (`count`, `ofs`, `req{n}___data__` = one request in proto3 JSON).
 *   The first, without SID, is the handshake; the SDK sends its first request and its headers (`headers=`) with it.
 * - Back channel: a GET (`RID=rpc`, `AID` = the last array the client has) that stays open and streams arrays, or,
 *   with `CI=1` (long polling), ends after each batch.
 * - Every response body is chunks of `<length>\n<JSON>`, the length in UTF-16 code units; the server's arrays are
 *   `[[id, payload], ...]`, and an array is resent until a later AID acknowledges it.
 * Only Listen is served: LearnPulse's clients never write (the rules allow no write), and a Write channel is refused.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import {
  StructuredQuery,
  StructuredQueryCompositeFilterOperator as Composite,
  StructuredQueryDirection as Direction,
  StructuredQueryFieldFilterOperator as Op,
  StructuredQueryUnaryFilterOperator as Unary,
} from "@firestore-emulator/proto/dist/google/firestore/v1/query.js";
import { readBody } from "../http-body.ts";
import { callerOf, type Access } from "./access.ts";
import { MAX_REQUEST_BYTES } from "./limits.ts";
import { toProtoValue, type RestValue } from "./values.ts";
import { WatchStream, type WatchEvent, type WatchHub, type WatchTarget } from "./watch.ts";

const CHANNEL_PATH = /^\/google\.firestore\.v1\.Firestore\/(\w+)\/channel$/;
/** A streaming back channel is ended (after a noop) this often, so no proxy or client watchdog sees it idle. */
const BACKCHANNEL_ROTATE_MS = 25_000;
/** A session whose client has had no back channel this long is gone (closed tab, lost network). */
const SESSION_IDLE_MS = 60_000;

export interface WebChannelFront {
  /** Answers a request when it is a WebChannel request (CORS preflights included); false when it is not one. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Sessions opened and server arrays queued for clients, since start. */
  stats(): { sessions: number; arrays: number };
  close(): void;
}

type Payload = unknown[] | Record<string, unknown>;

class Session {
  readonly id = randomUUID().replaceAll("-", "");
  /** Sent but not yet acknowledged arrays, oldest first. */
  #pending: Array<[number, Payload]> = [];
  #nextId = 1;
  /** The last array written to the current back channel. */
  #sentUpTo = 0;
  #backchannel: { res: ServerResponse; longPoll: boolean; wrote: boolean; timer: NodeJS.Timeout } | null = null;
  lastSeen = Date.now();
  closed = false;
  watch: WatchStream | null = null;
  #counted: () => void;

  constructor(counted: () => void) {
    this.#counted = counted;
  }

  get lastArrayId(): number {
    return this.#nextId - 1;
  }

  get outstandingBytes(): number {
    return this.#pending.reduce((sum, [, payload]) => sum + JSON.stringify(payload).length, 0);
  }

  push(payload: Payload): void {
    this.#pending.push([this.#nextId++, payload]);
    this.#counted();
    this.#flush();
  }

  acknowledge(aid: number): void {
    while (this.#pending.length && this.#pending[0]![0] <= aid) this.#pending.shift();
  }

  attach(res: ServerResponse, longPoll: boolean, timeoutMs: number): void {
    this.#detach();
    const timer = setTimeout(() => {
      // An empty back channel response counts as a failed request to the client: end with a noop instead.
      if (!this.#backchannel?.wrote) this.push(["noop"]);
      this.#detach();
    }, timeoutMs);
    this.#backchannel = { res, longPoll, wrote: false, timer };
    res.on("close", () => {
      if (this.#backchannel?.res === res) this.#detach();
    });
    this.lastSeen = Date.now();
    this.#flush();
  }

  close(): void {
    this.closed = true;
    this.watch?.close();
    this.#detach();
  }

  #flush(): void {
    const channel = this.#backchannel;
    if (!channel) return;
    // A new back channel gets every unacknowledged array again, so one that died mid-way loses nothing.
    const arrays = this.#pending.filter(([id]) => !channel.wrote || id > this.#sentUpTo);
    if (!arrays.length) return;
    channel.res.write(chunk(arrays));
    this.#sentUpTo = this.lastArrayId;
    channel.wrote = true;
    if (channel.longPoll) this.#detach();
  }

  #detach(): void {
    const channel = this.#backchannel;
    if (!channel) return;
    this.#backchannel = null;
    clearTimeout(channel.timer);
    this.lastSeen = Date.now();
    channel.res.end();
  }
}

export function webChannel(options: { hub: WatchHub; access: Access }): WebChannelFront {
  const sessions = new Map<string, Session>();
  const counts = { sessions: 0, arrays: 0 };
  const reaper = setInterval(() => {
    for (const [id, session] of sessions) {
      if (Date.now() - session.lastSeen <= SESSION_IDLE_MS) continue;
      session.close();
      sessions.delete(id);
    }
  }, 5_000);
  reaper.unref();

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const rpc = CHANNEL_PATH.exec(url.pathname)?.[1];
    if (!rpc) return false;
    cors(req, res);
    if (req.method === "OPTIONS") return (res.writeHead(204).end(), true);
    serve(rpc, url.searchParams, req, res);
    return true;
  }

  function serve(rpc: string, params: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
    const sid = params.get("SID");

    if (params.get("TYPE") === "terminate") {
      sessions.get(sid ?? "")?.close();
      sessions.delete(sid ?? "");
      return void res.writeHead(200).end();
    }
    if (req.method === "GET") {
      const session = sessions.get(sid ?? "");
      // closure's client reads "Unknown SID" on a 400 as the session being gone, and the SDK opens a new one.
      if (!session || session.closed) return void res.writeHead(400, { "content-type": "text/plain" }).end("Unknown SID");
      session.acknowledge(Number(params.get("AID") ?? -1));
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
      const longPoll = params.get("CI") === "1";
      session.attach(res, longPoll, longPoll ? Number(params.get("TO") || BACKCHANNEL_ROTATE_MS) : BACKCHANNEL_ROTATE_MS);
      return;
    }
    void readBody(req, MAX_REQUEST_BYTES + 1_048_576).then(
      (body) => {
        const form = new URLSearchParams(body.toString("utf8"));
        if (!sid) return handshake(rpc, form, res);
        const session = sessions.get(sid);
        if (!session || session.closed) return void res.writeHead(400, { "content-type": "text/plain" }).end("Unknown SID");
        session.acknowledge(Number(params.get("AID") ?? -1));
        session.lastSeen = Date.now();
        deliver(session, form);
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(frame([1, session.lastArrayId, session.outstandingBytes]));
      },
      () => void res.writeHead(413, { "content-type": "text/plain" }).end("Request too large"),
    );
  }

  function handshake(rpc: string, form: URLSearchParams, res: ServerResponse): void {
    const session = new Session(() => counts.arrays++);
    sessions.set(session.id, session);
    counts.sessions++;
    const caller = callerOf(initHeader(form.get("headers") ?? "", "authorization"));
    if (rpc === "Listen") {
      const abort = () => (session.close(), sessions.delete(session.id));
      const uid = caller.admin ? null : (caller.auth?.uid ?? null);
      session.watch = new WatchStream(options.hub, (event) => session.push([jsonEvent(event)]), (target) => options.access.watch(caller, target), abort, uid);
    } else {
      // The Write channel is not served (see the header): say so the way Firestore reports a stream error.
      session.push([{ error: { code: 12, status: "UNIMPLEMENTED", message: `The stand-in serves only Listen over WebChannel, not ${rpc}.` } }]);
    }
    res.writeHead(200, {
      "content-type": "text/plain; charset=utf-8",
      "x-http-session-id": session.id,
    });
    // Array 0 is the handshake: ["c", session id, host prefix, wire version, server version, keepalive].
    res.end(chunk([[0, ["c", session.id, "", 8, 14, BACKCHANNEL_ROTATE_MS]]]));
    deliver(session, form);
  }

  return {
    handle,
    stats: () => ({ ...counts }),
    close: () => {
      clearInterval(reaper);
      for (const session of sessions.values()) session.close();
      sessions.clear();
    },
  };
}

/** The requests of one forward-channel POST, in order, into the session's stream. */
function deliver(session: Session, form: URLSearchParams): void {
  const count = Number(form.get("count") ?? 0);
  for (let i = 0; i < count; i++) {
    const data = form.get(`req${i}___data__`);
    if (data === null || !session.watch) continue;
    try {
      const request = JSON.parse(data) as { addTarget?: JsonTarget; removeTarget?: number };
      if (request.addTarget) session.watch.add(targetFromJson(request.addTarget));
      else if (request.removeTarget !== undefined) session.watch.remove(request.removeTarget);
    } catch (error) {
      session.push([{ error: { code: 3, status: "INVALID_ARGUMENT", message: `Invalid ListenRequest: ${(error as Error).message}` } }]);
    }
  }
}

/** closure's encoded init headers: "Name:Value\r\n" lines. */
function initHeader(encoded: string, name: string): string | undefined {
  for (const line of encoded.split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0 && line.slice(0, at).trim().toLowerCase() === name) return line.slice(at + 1).trim();
  }
  return undefined;
}

function frame(value: unknown): string {
  const json = JSON.stringify(value);
  return `${json.length}\n${json}`;
}

const chunk = (arrays: Array<[number, Payload]>) => frame(arrays);

function cors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  res.setHeader("access-control-allow-origin", origin ?? "*");
  res.setHeader("access-control-allow-credentials", "true");
  res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
  res.setHeader("access-control-allow-headers", req.headers["access-control-request-headers"] ?? "content-type");
  res.setHeader("access-control-expose-headers", "x-http-session-id, x-client-wire-protocol");
  res.setHeader("vary", "Origin");
}


/** A WatchEvent as proto3 JSON, which is what the browser SDK (useProto3Json) reads. */
function jsonEvent(event: WatchEvent): Record<string, unknown> {
  switch (event.kind) {
    case "target": {
      const { type, targetIds, cause, resumeToken, readTime } = event;
      return { targetChange: { targetChangeType: type, targetIds, ...(cause ? { cause } : {}), ...(resumeToken ? { resumeToken } : {}), ...(readTime ? { readTime } : {}) } };
    }
    case "change":
      return { documentChange: { document: event.document, targetIds: event.targetIds, removedTargetIds: [] } };
    case "delete":
      return { documentDelete: { document: event.name, removedTargetIds: event.removedTargetIds, readTime: event.readTime } };
    case "remove":
      return { documentRemove: { document: event.name, removedTargetIds: event.removedTargetIds, readTime: event.readTime } };
  }
}

interface JsonTarget {
  targetId: number;
  documents?: { documents: string[] };
  query?: { parent: string; structuredQuery: JsonQuery };
  resumeToken?: string;
  readTime?: string;
}

interface JsonField {
  fieldPath: string;
}

type JsonFilter =
  | { fieldFilter: { field: JsonField; op: keyof typeof Op; value: RestValue } }
  | { unaryFilter: { field: JsonField; op: keyof typeof Unary } }
  | { compositeFilter: { op: keyof typeof Composite; filters: JsonFilter[] } };

interface JsonCursor {
  values: RestValue[];
  before?: boolean;
}

interface JsonQuery {
  select?: { fields: JsonField[] };
  from: Array<{ collectionId?: string; allDescendants?: boolean }>;
  where?: JsonFilter;
  orderBy?: Array<{ field: JsonField; direction?: keyof typeof Direction }>;
  startAt?: JsonCursor;
  endAt?: JsonCursor;
  offset?: number;
  /** proto3 JSON writes an Int32Value as a bare number. */
  limit?: number | { value: number };
}

function targetFromJson(target: JsonTarget): WatchTarget {
  const resumed = Boolean(target.resumeToken);
  if (target.documents) return { targetId: target.targetId, documents: target.documents.documents, resumed };
  if (!target.query) throw new Error("a target names documents or a query");
  return { targetId: target.targetId, query: { parent: target.query.parent, structuredQuery: queryFromJson(target.query.structuredQuery) }, resumed };
}

/** The browser's proto3 JSON StructuredQuery as the proto class query.ts evaluates. */
function queryFromJson(query: JsonQuery): StructuredQuery {
  const field = (ref: JsonField) => ({ field_path: ref.fieldPath });
  const cursor = (c: JsonCursor) => ({ values: c.values.map(toProtoValue), before: Boolean(c.before) });
  const filter = (f: JsonFilter): object => {
    if ("fieldFilter" in f) return { field_filter: { field: field(f.fieldFilter.field), op: Op[f.fieldFilter.op], value: toProtoValue(f.fieldFilter.value) } };
    if ("unaryFilter" in f) return { unary_filter: { field: field(f.unaryFilter.field), op: Unary[f.unaryFilter.op] } };
    return { composite_filter: { op: Composite[f.compositeFilter.op], filters: f.compositeFilter.filters.map(filter) } };
  };
  const limit = typeof query.limit === "number" ? query.limit : query.limit?.value;
  return StructuredQuery.fromObject({
    ...(query.select ? { select: { fields: query.select.fields.map(field) } } : {}),
    from: query.from.map((from) => ({ collection_id: from.collectionId ?? "", all_descendants: Boolean(from.allDescendants) })),
    ...(query.where ? { where: filter(query.where) } : {}),
    order_by: (query.orderBy ?? []).map((order) => ({ field: field(order.field), direction: Direction[order.direction ?? "ASCENDING"] })),
    ...(query.startAt ? { start_at: cursor(query.startAt) } : {}),
    ...(query.endAt ? { end_at: cursor(query.endAt) } : {}),
    ...(query.offset ? { offset: query.offset } : {}),
    ...(limit !== undefined ? { limit: { value: limit } } : {}),
  } as Parameters<typeof StructuredQuery.fromObject>[0]);
}
