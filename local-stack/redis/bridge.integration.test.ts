import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "@upstash/redis";
import { startRedis } from "./index.ts";
import type { LocalRedis } from "./index.ts";
import { BACKENDS, client, prefix } from "./test-harness.ts";

// The REST surface itself: auth, Upstash's wire shapes, billing counts and fault injection.
describe.each(BACKENDS)("$backend backend", ({ backend, available }) => {
  describe.runIf(available)("bridge", () => {
    let local: LocalRedis;
    beforeAll(async () => {
      local = await startRedis({ backend });
    });
    afterEach(() => local?.fault(false));
    afterAll(() => local?.stop());

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${local.restUrl}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${local.token}`, "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });

    it("when the client holds a wrong token, then its command rejects with Unauthorized", async () => {
      const stranger = new Redis({ url: local.restUrl, token: "wrong", enableTelemetry: false, retry: false });
      await expect(stranger.get("k")).rejects.toThrow(/Unauthorized/);
    });

    it("when a request to any route has no token, then it answers 401 with Upstash's body", async () => {
      for (const path of ["/", "/pipeline", "/multi-exec", "/get/k"]) {
        const res = await fetch(`${local.restUrl}${path}`, { method: "POST", body: JSON.stringify([["get", "k"]]) });
        expect(res.status, path).toBe(401);
        expect(await res.json(), path).toEqual({ error: "Unauthorized" });
      }
    });

    it("when a command fails on /, then it answers 400 with {error}", async () => {
      const res = await post("/", ["incr", "a", "b", "c"]);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "ERR wrong number of arguments for 'incr' command" });
    });

    it("when Upstash-Encoding: base64 is sent, then bulk replies come base64-encoded, and plain without it", async () => {
      const p = prefix();
      await post("/", ["set", `${p}k`, "héllo"]);
      const encoded = await (await post("/", ["mget", `${p}k`, `${p}none`], { "upstash-encoding": "base64" })).json();
      const plain = await (await post("/", ["mget", `${p}k`, `${p}none`])).json();
      expect(encoded).toEqual({ result: [Buffer.from("héllo").toString("base64"), null] });
      expect(plain).toEqual({ result: ["héllo", null] });
    });

    it("when a pipeline answers, then each entry is {result} or {error} and the sync token header is set", async () => {
      const p = prefix();
      const res = await post("/pipeline", [["set", `${p}k`, "v"], ["incr", `${p}k`], ["get", `${p}k`]]);
      expect(res.headers.get("upstash-sync-token")).toMatch(/\d+/);
      expect(await res.json()).toEqual([{ result: "OK" }, { error: "ERR value is not an integer or out of range" }, { result: "v" }]);
    });

    it("when the path form /set/k/v is used, then it runs the command", async () => {
      const p = prefix();
      const set = await fetch(`${local.restUrl}/set/${encodeURIComponent(`${p}k`)}/v1?EX=100`, { headers: { authorization: `Bearer ${local.token}` } });
      expect(await set.json()).toEqual({ result: "OK" });
      const ttl = await fetch(`${local.restUrl}/ttl/${encodeURIComponent(`${p}k`)}?_token=${local.token}`);
      expect(await ttl.json()).toEqual({ result: 100 });
    });

    it("when a pipeline of 3 commands runs, then the counter grows by 3", async () => {
      const p = prefix();
      local.resetCommands();
      await client(local).pipeline().set(`${p}a`, 1).incr(`${p}a`).hset(`${p}h`, { f: 1, g: 2 }).exec();
      expect(local.commands()).toBe(3);
      expect(local.commandCounts()).toEqual({ SET: 1, INCR: 1, HSET: 1 });
    });

    it("when a MULTI/EXEC of 2 commands runs, then the counter grows by 2 (MULTI and EXEC are free)", async () => {
      const p = prefix();
      local.resetCommands();
      await client(local).multi().set(`${p}a`, 1).incr(`${p}a`).exec();
      expect(local.commands()).toBe(2);
    });

    it("when an EVAL makes 2 redis.calls, then the counter grows by 3", async () => {
      const p = prefix();
      local.resetCommands();
      await client(local).eval("redis.call('INCR', KEYS[1]); return redis.call('PEXPIRE', KEYS[1], 1000)", [`${p}n`], []);
      expect(local.commands()).toBe(3);
      expect(local.commandCounts()).toEqual({ EVAL: 1, INCR: 1, PEXPIRE: 1 });
    });

    it("when PING is sent, then nothing is billed", async () => {
      local.resetCommands();
      await client(local).ping();
      expect(local.commands()).toBe(0);
    });

    it("when the fault is 'refuse', then the client rejects, and it recovers once cleared", async () => {
      const redis = client(local);
      local.fault("refuse");
      await expect(redis.ping()).rejects.toThrow();
      local.fault(false);
      expect(await redis.ping()).toBe("PONG");
    });

    it("when the fault is 'error', then the client rejects with Upstash's outage answer", async () => {
      local.fault("error");
      const res = await post("/", ["ping"]);
      expect(res.status).toBe(503);
      await expect(client(local).ping()).rejects.toThrow(/Service Unavailable/);
    });

    it("when the fault is 'timeout', then the request hangs until the client's signal gives up", async () => {
      local.fault("timeout");
      const redis = client(local, { signal: () => AbortSignal.timeout(200) });
      const started = performance.now();
      await expect(redis.ping()).rejects.toThrow(/timeout|abort/i);
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    });

    it("when flushAll is called, then every key is gone and nothing is billed", async () => {
      const p = prefix();
      const redis = client(local);
      await redis.set(`${p}k`, 1);
      local.resetCommands();
      await local.flushAll();
      expect(local.commands()).toBe(0);
      expect(await redis.dbsize()).toBe(0);
    });
  });
});
