/**
 * The Upstash client's node:http transport: against the stack's Redis bridge it must answer as the SDK's own
 * fetch transport does, and against small HTTP servers that misbehave on purpose (slow, resetting, not JSON, 503)
 * it must fail the way the ping's degraded path and isUnreachable/refusedBeforeSending expect.
 */
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis, errors } from "@upstash/redis";
import { describe, expect, it } from "vitest";
import { createUpstashClient, isUnreachable, refusedBeforeSending } from "../../src/adapters/upstash.js";
import { UpstashConnectionError, UpstashTimeoutError } from "../../src/adapters/upstash-transport.js";
import { uniqueId } from "../helpers/stack.js";

const url = () => process.env["UPSTASH_REDIS_REST_URL"] as string;
const token = () => process.env["UPSTASH_REDIS_REST_TOKEN"] as string;

/** Runs `use` against a server answering with `handler`, and reports how many requests reached it. */
async function withServer(handler: RequestListener, use: (url: string) => Promise<void>): Promise<{ requests: number }> {
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return { requests };
}

const failureOf = async (promise: Promise<unknown>) => promise.then(() => expect.fail("expected the request to fail"), (error: unknown) => error);

describe("the node:http transport against the stand-in", () => {
  it("when commands and pipelines are sent, then they answer what the SDK's own transport answers", async () => {
    const ours = createUpstashClient({ url: url(), token: token(), timeoutMs: 2_000, retries: 0 });
    const sdks = new Redis({ url: url(), token: token(), automaticDeserialization: false, enableTelemetry: false, responseEncoding: false });
    const key = `lp:test:${uniqueId("transport")}`;

    expect(await ours.hset(key, { a: "0.10", b: "12", c: "x" })).toBe(3);
    const [ourHash, sdkHash] = [await ours.hgetall(key), await sdks.hgetall(key)];
    expect(ourHash).toEqual(sdkHash);
    expect(ourHash).toEqual(["a", "0.10", "b", "12", "c", "x"]); // strings as Redis holds them, no JSON guessing
    expect(await ours.pipeline().hget(key, "a").hlen(key).del(key).exec()).toEqual(["0.10", 3, 1]);
    expect(await ours.exists(key)).toBe(0);
  });

  it("when a command is wrong, then Redis's error comes back as the SDK's UpstashError and is not unreachable", async () => {
    const ours = createUpstashClient({ url: url(), token: token(), timeoutMs: 2_000, retries: 0 });
    const key = `lp:test:${uniqueId("transport")}`;
    await ours.set(key, "1");
    const error = await failureOf(ours.hset(key, { a: "1" }));
    expect(error).toBeInstanceOf(errors.UpstashError);
    expect(String(error)).toMatch(/WRONGTYPE/);
    expect(isUnreachable(error)).toBe(false);
    await ours.del(key);
  });

  it("when the token is wrong, then the HTTP error answers UpstashError with the stand-in's message", async () => {
    const stranger = createUpstashClient({ url: url(), token: "wrong", timeoutMs: 2_000, retries: 0 });
    const error = await failureOf(stranger.get("anything"));
    expect(error).toBeInstanceOf(errors.UpstashError);
    expect(isUnreachable(error)).toBe(false);
  });
});

describe("the node:http transport when Upstash misbehaves", () => {
  it("when no answer comes in time, then it rejects with UpstashTimeoutError, unreachable, and never retries", async () => {
    let error: unknown;
    const { requests } = await withServer(
      () => undefined, // never answers
      async (slowUrl) => {
        const client = createUpstashClient({ url: slowUrl, token: "t", timeoutMs: 150, retries: 2 });
        const started = Date.now();
        error = await failureOf(client.hset("k", { a: "1" }));
        expect(Date.now() - started).toBeLessThan(1_500);
      },
    );
    expect(error).toBeInstanceOf(UpstashTimeoutError);
    expect(isUnreachable(error)).toBe(true);
    expect(refusedBeforeSending(error)).toBe(false); // it may have been applied
    expect(requests).toBe(1);
  });

  it("when the connection is reset, then it retries as configured and rejects with UpstashConnectionError that may have been applied", async () => {
    let error: unknown;
    const { requests } = await withServer(
      (request) => request.socket.destroy(),
      async (resetUrl) => {
        error = await failureOf(createUpstashClient({ url: resetUrl, token: "t", timeoutMs: 2_000, retries: 2 }).get("k"));
      },
    );
    expect(error).toBeInstanceOf(UpstashConnectionError);
    expect((error as UpstashConnectionError).code).toBe("ECONNRESET");
    expect(isUnreachable(error)).toBe(true);
    expect(refusedBeforeSending(error)).toBe(false);
    expect(requests).toBe(3);
  });

  it("when nothing listens, then the refused connection is unreachable and certainly wrote nothing", async () => {
    // Port 9 (discard) has no listener here: the connection is refused.
    const error = await failureOf(createUpstashClient({ url: "http://127.0.0.1:9", token: "t", timeoutMs: 2_000, retries: 0 }).get("k"));
    expect(error).toBeInstanceOf(UpstashConnectionError);
    expect((error as UpstashConnectionError).code).toBe("ECONNREFUSED");
    expect(isUnreachable(error)).toBe(true);
    expect(refusedBeforeSending(error)).toBe(true);
  });

  it("when Upstash answers 503 or a page that is not JSON, then both are unreachable", async () => {
    await withServer(
      (_request, response) => response.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: "Service Unavailable" })),
      async (offline) => {
        const error = await failureOf(createUpstashClient({ url: offline, token: "t", timeoutMs: 2_000, retries: 0 }).get("k"));
        expect(error).toBeInstanceOf(errors.UpstashError);
        expect(isUnreachable(error)).toBe(true);
      },
    );
    await withServer(
      (_request, response) => response.writeHead(502, { "content-type": "text/html" }).end("<html>Bad Gateway</html>"),
      async (gateway) => {
        const error = await failureOf(createUpstashClient({ url: gateway, token: "t", timeoutMs: 2_000, retries: 0 }).get("k"));
        expect(error).toBeInstanceOf(errors.UpstashJSONParseError);
        expect(isUnreachable(error)).toBe(true);
      },
    );
  });

  it("when Upstash sends a read-your-writes sync token, then the next request carries it, with the bearer token", async () => {
    const seen: { authorization?: string; sync?: string | string[]; path?: string }[] = [];
    await withServer(
      (request, response) => {
        seen.push({ authorization: request.headers.authorization, sync: request.headers["upstash-sync-token"], path: request.url });
        response.writeHead(200, { "content-type": "application/json", "upstash-sync-token": `sync-${seen.length}` });
        response.end(request.url === "/pipeline" ? JSON.stringify([{ result: "OK" }]) : JSON.stringify({ result: "OK" }));
      },
      async (server) => {
        const client = createUpstashClient({ url: server, token: "secret", timeoutMs: 2_000, retries: 0 });
        await client.set("k", "v");
        await client.pipeline().set("k", "w").exec();
      },
    );
    expect(seen).toEqual([
      { authorization: "Bearer secret", sync: undefined, path: "/" },
      { authorization: "Bearer secret", sync: "sync-1", path: "/pipeline" },
    ]);
  });
});
