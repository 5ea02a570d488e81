import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "@upstash/redis";
import { startRedis } from "./index.ts";
import type { LocalRedis } from "./index.ts";
import { BACKENDS, ENCODINGS, client, prefix } from "./test-harness.ts";

// Every command shape the project uses, through the real @upstash/redis client, for each backend × encoding.
describe.each(BACKENDS)("$backend backend", ({ backend, available }) => {
  describe.runIf(available).each(ENCODINGS)("$encoding responses", ({ responseEncoding }) => {
    let local: LocalRedis;
    let redis: Redis;
    let p: string;
    beforeAll(async () => {
      local = await startRedis({ backend });
      redis = client(local, { responseEncoding });
    });
    afterAll(() => local?.stop());
    const fresh = () => (p = prefix());

    it("when a SET value is read back with GET, then it is the same string", async () => {
      fresh();
      expect(await redis.set(`${p}k`, "hello world")).toBe("OK");
      expect(await redis.get(`${p}k`)).toBe("hello world");
    });

    it("when GET reads a missing key, then it answers null", async () => {
      fresh();
      expect(await redis.get(`${p}missing`)).toBeNull();
    });

    it("when GET reads a hash, then it rejects with WRONGTYPE", async () => {
      fresh();
      await redis.hset(`${p}h`, { f: "v" });
      await expect(redis.get(`${p}h`)).rejects.toThrow(/WRONGTYPE Operation against a key holding the wrong kind of value/);
    });

    it("when SET NX meets an existing key, then it answers null and keeps the old value", async () => {
      fresh();
      await redis.set(`${p}k`, "old");
      expect(await redis.set(`${p}k`, "new", { nx: true })).toBeNull();
      expect(await redis.get(`${p}k`)).toBe("old");
    });

    it("when SET NX PX creates a key, then it answers OK and the key has a TTL of at most PX", async () => {
      fresh();
      expect(await redis.set(`${p}lock`, "owner", { nx: true, px: 5000 })).toBe("OK");
      const pttl = await redis.pttl(`${p}lock`);
      expect(pttl).toBeGreaterThan(4000);
      expect(pttl).toBeLessThanOrEqual(5000);
    });

    it("when SET XX meets a missing key, then it answers null and stores nothing", async () => {
      fresh();
      expect(await redis.set(`${p}k`, "v", { xx: true })).toBeNull();
      expect(await redis.exists(`${p}k`)).toBe(0);
    });

    it("when SET EX stores a value, then TTL answers the seconds left", async () => {
      fresh();
      await redis.set(`${p}k`, "v", { ex: 100 });
      expect(await redis.ttl(`${p}k`)).toBe(100);
    });

    it("when SET GET replaces a value, then it answers the previous one", async () => {
      fresh();
      await redis.set(`${p}k`, "first");
      expect(await redis.set(`${p}k`, "second", { get: true })).toBe("first");
      expect(await redis.get(`${p}k`)).toBe("second");
    });

    it("when SET GET meets a set, then it rejects with WRONGTYPE and keeps the set", async () => {
      fresh();
      await redis.sadd(`${p}s`, "m");
      await expect(redis.set(`${p}s`, "v", { get: true })).rejects.toThrow(/WRONGTYPE/);
      expect(await redis.type(`${p}s`)).toBe("set");
    });

    it("when SET PX lapses, then GET answers null", async () => {
      fresh();
      await redis.set(`${p}k`, "v", { px: 30 });
      await new Promise((r) => setTimeout(r, 80));
      expect(await redis.get(`${p}k`)).toBeNull();
    });

    it("when DEL names three keys of which two exist, then it answers 2", async () => {
      fresh();
      await redis.set(`${p}a`, 1);
      await redis.hset(`${p}b`, { f: 1 });
      expect(await redis.del(`${p}a`, `${p}b`, `${p}c`)).toBe(2);
      expect(await redis.exists(`${p}a`, `${p}b`)).toBe(0);
    });

    it("when EXISTS names two present keys and one missing, then it answers 2", async () => {
      fresh();
      await redis.set(`${p}a`, 1);
      await redis.sadd(`${p}b`, "m");
      expect(await redis.exists(`${p}a`, `${p}b`, `${p}c`)).toBe(2);
    });

    it("when EXPIRE sets a TTL on a key, then it answers 1 and TTL follows", async () => {
      fresh();
      await redis.set(`${p}k`, "v");
      expect(await redis.expire(`${p}k`, 60)).toBe(1);
      expect(await redis.ttl(`${p}k`)).toBe(60);
    });

    it("when EXPIRE targets a missing key, then it answers 0", async () => {
      fresh();
      expect(await redis.expire(`${p}missing`, 60)).toBe(0);
    });

    it("when EXPIRE NX meets a key that already has a TTL, then it answers 0 and keeps the TTL", async () => {
      fresh();
      await redis.set(`${p}k`, "v", { ex: 100 });
      expect(await redis.expire(`${p}k`, 10, "NX")).toBe(0);
      expect(await redis.ttl(`${p}k`)).toBe(100);
    });

    it("when EXPIRE XX meets a key without TTL, then it answers 0 and the key stays persistent", async () => {
      fresh();
      await redis.set(`${p}k`, "v");
      expect(await redis.expire(`${p}k`, 10, "XX")).toBe(0);
      expect(await redis.ttl(`${p}k`)).toBe(-1);
    });

    it("when EXPIRE GT offers a shorter TTL, then it answers 0; a longer one answers 1", async () => {
      fresh();
      await redis.set(`${p}k`, "v", { ex: 100 });
      expect(await redis.expire(`${p}k`, 50, "GT")).toBe(0);
      expect(await redis.expire(`${p}k`, 200, "GT")).toBe(1);
      expect(await redis.ttl(`${p}k`)).toBe(200);
    });

    it("when EXPIRE LT meets a key without TTL, then it answers 1 (no TTL counts as infinite)", async () => {
      fresh();
      await redis.set(`${p}k`, "v");
      expect(await redis.expire(`${p}k`, 30, "LT")).toBe(1);
      expect(await redis.ttl(`${p}k`)).toBe(30);
    });

    it("when PEXPIRE sets a TTL in ms, then PTTL answers at most that", async () => {
      fresh();
      await redis.hset(`${p}h`, { f: 1 });
      expect(await redis.pexpire(`${p}h`, 20_000)).toBe(1);
      const pttl = await redis.pttl(`${p}h`);
      expect(pttl).toBeGreaterThan(19_000);
      expect(pttl).toBeLessThanOrEqual(20_000);
    });

    it("when TTL and PTTL ask about a missing key and a persistent one, then they answer -2 and -1", async () => {
      fresh();
      await redis.set(`${p}k`, "v");
      expect([await redis.ttl(`${p}missing`), await redis.pttl(`${p}missing`)]).toEqual([-2, -2]);
      expect([await redis.ttl(`${p}k`), await redis.pttl(`${p}k`)]).toEqual([-1, -1]);
    });

    it("when INCR and INCRBY count from a missing key, then they answer 1 and then 6", async () => {
      fresh();
      expect(await redis.incr(`${p}n`)).toBe(1);
      expect(await redis.incrby(`${p}n`, 5)).toBe(6);
      expect(await redis.get(`${p}n`)).toBe(6);
    });

    it("when INCR meets a non-integer string, then it rejects with 'not an integer'", async () => {
      fresh();
      await redis.set(`${p}n`, "abc");
      await expect(redis.incr(`${p}n`)).rejects.toThrow("ERR value is not an integer or out of range");
    });

    it("when INCR runs on a key with a TTL, then the TTL is kept", async () => {
      fresh();
      await redis.set(`${p}n`, 1, { ex: 100 });
      await redis.incr(`${p}n`);
      expect(await redis.ttl(`${p}n`)).toBe(100);
    });

    it("when HSET adds two new fields and updates one, then it answers 2", async () => {
      fresh();
      await redis.hset(`${p}h`, { a: 1 });
      expect(await redis.hset(`${p}h`, { a: 2, b: 3, c: 4 })).toBe(2);
      expect(await redis.hget(`${p}h`, "a")).toBe(2);
    });

    it("when HSET writes an object of several fields into a new hash, then it answers the field count", async () => {
      fresh();
      expect(await redis.hset(`${p}h`, { lesson: 3, title: "Fractions", done: true, score: 0.75 })).toBe(4);
      expect(await redis.hlen(`${p}h`)).toBe(4);
    });

    it("when HGET reads a missing field and a numeric one, then it answers null and a number", async () => {
      fresh();
      await redis.hset(`${p}h`, { n: 42 });
      expect(await redis.hget(`${p}h`, "nope")).toBeNull();
      expect(await redis.hget(`${p}h`, "n")).toBe(42);
    });

    it("when HMGET asks for two fields of which one is missing, then it answers an object with a null", async () => {
      fresh();
      await redis.hset(`${p}h`, { a: "x", b: 2 });
      expect(await redis.hmget(`${p}h`, "a", "zz", "b")).toEqual({ a: "x", zz: null, b: 2 });
    });

    it("when HGETALL reads a hash of numbers, strings and JSON, then the client deserialises each", async () => {
      fresh();
      await redis.hset(`${p}h`, { n: 7, f: 1.5, s: "text", o: { deep: [1, 2] }, big: "12345678901234567890" });
      // @upstash/redis 1.39 parses only safe integers and JSON here: a float stays a string.
      expect(await redis.hgetall(`${p}h`)).toEqual({ n: 7, f: "1.5", s: "text", o: { deep: [1, 2] }, big: "12345678901234567890" });
    });

    it("when automatic deserialization is off, then HGETALL answers a flat list and numeric-looking values stay strings", async () => {
      fresh();
      const raw = client(local, { responseEncoding, automaticDeserialization: false });
      await raw.hset(`${p}h`, { id: "1e3", n: 7 });
      await raw.set(`${p}k`, "007");
      expect(await raw.hgetall(`${p}h`)).toEqual(["id", "1e3", "n", "7"]);
      expect(await raw.get(`${p}k`)).toBe("007");
      expect(await raw.hgetall(`${p}none`)).toEqual([]);
    });

    it("when HGETALL reads a missing key, then it answers null", async () => {
      fresh();
      expect(await redis.hgetall(`${p}missing`)).toBeNull();
    });

    it("when HDEL removes the last fields, then it answers the count and the key is gone", async () => {
      fresh();
      await redis.hset(`${p}h`, { a: 1, b: 2 });
      expect(await redis.hdel(`${p}h`, "a", "b", "c")).toBe(2);
      expect(await redis.exists(`${p}h`)).toBe(0);
    });

    it("when HINCRBY adds to a missing and an existing field, then it answers the running totals", async () => {
      fresh();
      expect(await redis.hincrby(`${p}h`, "n", 5)).toBe(5);
      expect(await redis.hincrby(`${p}h`, "n", -2)).toBe(3);
    });

    it("when HINCRBY meets a non-integer field, then it rejects with 'hash value is not an integer'", async () => {
      fresh();
      await redis.hset(`${p}h`, { s: "x" });
      await expect(redis.hincrby(`${p}h`, "s", 1)).rejects.toThrow("ERR hash value is not an integer");
    });

    it("when HLEN counts a hash of three fields and a missing key, then it answers 3 and 0", async () => {
      fresh();
      await redis.hset(`${p}h`, { a: 1, b: 2, c: 3 });
      expect([await redis.hlen(`${p}h`), await redis.hlen(`${p}none`)]).toEqual([3, 0]);
    });

    it("when SADD adds three members of which one exists, then it answers 2", async () => {
      fresh();
      await redis.sadd(`${p}s`, "a");
      expect(await redis.sadd(`${p}s`, "a", "b", "c")).toBe(2);
    });

    it("when SADD targets a string, then it rejects with WRONGTYPE", async () => {
      fresh();
      await redis.set(`${p}k`, "v");
      await expect(redis.sadd(`${p}k`, "m")).rejects.toThrow(/WRONGTYPE/);
    });

    it("when SREM removes two members and one absent, then it answers 2", async () => {
      fresh();
      await redis.sadd(`${p}s`, "a", "b", "c");
      expect(await redis.srem(`${p}s`, "a", "b", "zz")).toBe(2);
      expect(await redis.smembers(`${p}s`)).toEqual(["c"]);
    });

    it("when SMEMBERS reads a set, then it answers every member", async () => {
      fresh();
      await redis.sadd(`${p}s`, "u1", "u2", "u3");
      expect((await redis.smembers(`${p}s`)).sort()).toEqual(["u1", "u2", "u3"]);
    });

    it("when SISMEMBER checks a member and a stranger, then it answers 1 and 0", async () => {
      fresh();
      await redis.sadd(`${p}s`, "in");
      expect([await redis.sismember(`${p}s`, "in"), await redis.sismember(`${p}s`, "out")]).toEqual([1, 0]);
    });

    it("when SCARD counts a set of 3 and a missing key, then it answers 3 and 0", async () => {
      fresh();
      await redis.sadd(`${p}s`, "a", "b", "c");
      expect([await redis.scard(`${p}s`), await redis.scard(`${p}none`)]).toEqual([3, 0]);
    });

    it("when SSCAN loops with COUNT over 300 members, then it visits every member", async () => {
      fresh();
      const members = Array.from({ length: 300 }, (_, i) => `m${i}`);
      await redis.sadd(`${p}s`, members[0]!, ...members.slice(1));
      const seen = new Set<string>();
      let cursor: string | number = 0;
      let rounds = 0;
      do {
        const [next, page]: [string | number, (string | number)[]] = await redis.sscan(`${p}s`, cursor, { count: 50 });
        page.forEach((m) => seen.add(String(m)));
        cursor = next;
        rounds++;
      } while (String(cursor) !== "0");
      expect([...seen].sort()).toEqual([...members].sort());
      expect(rounds).toBeGreaterThan(1);
    });

    it("when SSCAN loops with MATCH, then it answers only matching members", async () => {
      fresh();
      await redis.sadd(`${p}s`, "user:1", "user:2", "lesson:1");
      const seen: string[] = [];
      let cursor: string | number = 0;
      do {
        const [next, page]: [string | number, (string | number)[]] = await redis.sscan(`${p}s`, cursor, { match: "user:*" });
        seen.push(...page.map(String));
        cursor = next;
      } while (String(cursor) !== "0");
      expect(seen.sort()).toEqual(["user:1", "user:2"]);
    });

    it("when SPOP takes 2 of 3 members, then it answers 2 distinct members and leaves 1", async () => {
      fresh();
      await redis.sadd(`${p}s`, "a", "b", "c");
      const popped = (await redis.spop<string[]>(`${p}s`, 2))!;
      expect(new Set(popped).size).toBe(2);
      const left = await redis.smembers(`${p}s`);
      expect([...popped, ...left].sort()).toEqual(["a", "b", "c"]);
    });

    it("when SPOP without count empties a one-member set, then it answers the member and the key is gone", async () => {
      fresh();
      await redis.sadd(`${p}s`, "only");
      expect(await redis.spop(`${p}s`)).toBe("only");
      expect(await redis.exists(`${p}s`)).toBe(0);
    });

    it("when SMOVE moves a member and then a missing one, then it answers 1 and 0", async () => {
      fresh();
      await redis.sadd(`${p}from`, "a", "b");
      expect(await redis.smove(`${p}from`, `${p}to`, "a")).toBe(1);
      expect(await redis.smove(`${p}from`, `${p}to`, "zz")).toBe(0);
      expect([await redis.smembers(`${p}from`), await redis.smembers(`${p}to`)]).toEqual([["b"], ["a"]]);
    });

    it("when SUNIONSTORE unions two overlapping sets over a string, then it answers the union size and stores a set", async () => {
      fresh();
      await redis.sadd(`${p}a`, "1", "2");
      await redis.sadd(`${p}b`, "2", "3");
      await redis.set(`${p}dest`, "old");
      expect(await redis.sunionstore(`${p}dest`, `${p}a`, `${p}b`, `${p}none`)).toBe(3);
      expect((await redis.smembers(`${p}dest`)).map(String).sort()).toEqual(["1", "2", "3"]);
    });

    it("when KEYS matches a prefix pattern, then it answers exactly the keys under it", async () => {
      fresh();
      await redis.set(`${p}a`, 1);
      await redis.set(`${p}b`, 1);
      await redis.set(`${p}c?`, 1);
      expect((await redis.keys(`${p}[ab]`)).sort()).toEqual([`${p}a`, `${p}b`]);
      expect(await redis.keys(`${p}c\\?`)).toEqual([`${p}c?`]);
    });

    it("when SCAN loops with MATCH and COUNT, then it visits every key under the prefix", async () => {
      fresh();
      const keys = Array.from({ length: 40 }, (_, i) => `${p}k${i}`);
      const pipe = redis.pipeline();
      keys.forEach((k) => pipe.set(k, 1));
      await pipe.exec();
      const seen = new Set<string>();
      let cursor: string | number = 0;
      do {
        const [next, page]: [string, string[]] = await redis.scan(cursor, { match: `${p}*`, count: 7 });
        page.forEach((k) => seen.add(k));
        cursor = next;
      } while (String(cursor) !== "0");
      expect([...seen].sort()).toEqual([...keys].sort());
    });

    it("when TYPE looks at a string, a hash, a set and a missing key, then it names each", async () => {
      fresh();
      await redis.set(`${p}s`, "v");
      await redis.hset(`${p}h`, { f: 1 });
      await redis.sadd(`${p}set`, "m");
      const types = [await redis.type(`${p}s`), await redis.type(`${p}h`), await redis.type(`${p}set`), await redis.type(`${p}x`)];
      expect(types).toEqual(["string", "hash", "set", "none"]);
    });

    it("when PING is sent, then it answers PONG", async () => {
      expect(await redis.ping()).toBe("PONG");
    });

    it("when a value holds emoji, accents and a NUL byte, then it round-trips", async () => {
      fresh();
      const value = "élève 😀 \u0000 end";
      await redis.set(`${p}k`, value);
      await redis.hset(`${p}h`, { [value]: value });
      expect(await redis.get(`${p}k`)).toBe(value);
      expect(await redis.hgetall(`${p}h`)).toEqual({ [value]: value });
    });

    it("when EVAL runs a script over KEYS and ARGV, then it answers the script's return value", async () => {
      fresh();
      const script = "redis.call('HSET', KEYS[1], 'n', ARGV[1]); return {redis.call('HGET', KEYS[1], 'n'), tonumber(ARGV[1]) + 1}";
      expect(await redis.eval(script, [`${p}h`], ["41"])).toEqual([41, 42]);
    });

    it("when EVALSHA runs a script loaded with SCRIPT LOAD, then it answers like EVAL", async () => {
      fresh();
      const sha = await redis.scriptLoad("return redis.call('INCRBY', KEYS[1], ARGV[1])");
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      expect(await redis.evalsha(sha, [`${p}n`], [5])).toBe(5);
    });

    it("when EVALSHA names an unknown script, then it rejects with NOSCRIPT", async () => {
      await expect(redis.evalsha("0".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
    });

    it("when a script's redis.call fails, then EVAL rejects with the command's error", async () => {
      fresh();
      await redis.set(`${p}k`, "v");
      await expect(redis.eval("return redis.call('HGET', KEYS[1], 'f')", [`${p}k`], [])).rejects.toThrow(/WRONGTYPE/);
    });

    it("when a pipeline sets, increments and reads, then exec answers each result in order", async () => {
      fresh();
      const results = await redis.pipeline().set(`${p}n`, 1).incr(`${p}n`).get(`${p}n`).hset(`${p}h`, { a: 1, b: 2 }).exec();
      expect(results).toEqual(["OK", 2, 2, 2]);
    });

    it("when a pipeline command fails, then the others still run and keepErrors reports the error", async () => {
      fresh();
      await redis.set(`${p}s`, "text");
      const results = await redis.pipeline().incr(`${p}s`).set(`${p}after`, "ran").exec({ keepErrors: true });
      expect(results[0]!.error).toMatch(/not an integer/);
      expect(results[1]!.result).toBe("OK");
      expect(await redis.get(`${p}after`)).toBe("ran");
    });

    it("when MULTI/EXEC runs several commands, then exec answers each result in order", async () => {
      fresh();
      const results = await redis.multi().hset(`${p}h`, { a: 1 }).hincrby(`${p}h`, "a", 2).sadd(`${p}s`, "x").exec();
      expect(results).toEqual([1, 3, 1]);
    });

    it("when a MULTI/EXEC holds a malformed command, then it rejects and applies nothing", async () => {
      fresh();
      const tx = redis.multi().set(`${p}k`, "v").hset(`${p}h`, {});
      await expect(tx.exec()).rejects.toThrow(/EXECABORT/);
      expect(await redis.exists(`${p}k`)).toBe(0);
    });

    it("when a MULTI/EXEC command fails at run time, then the others still apply and exec rejects naming it", async () => {
      fresh();
      await redis.set(`${p}s`, "text");
      const tx = redis.multi().set(`${p}a`, "1").incr(`${p}s`).set(`${p}b`, "2");
      await expect(tx.exec()).rejects.toThrow(/Command 2 \[ incr \] failed: ERR value is not an integer/);
      expect(await redis.exists(`${p}a`, `${p}b`)).toBe(2);
    });

    it("when FLUSHALL runs, then DBSIZE answers 0", async () => {
      fresh();
      await redis.set(`${p}k`, "v");
      expect(await redis.flushall()).toBe("OK");
      expect(await redis.dbsize()).toBe(0);
    });

    it("when auto-pipelining batches concurrent commands, then each promise gets its own result", async () => {
      fresh();
      // The client batches reads and writes into separate pipelines sent concurrently (and sends HGETALL
      // on its own), so a read issued alongside a write may run first: write, then read.
      const auto = client(local, { responseEncoding, enableAutoPipelining: true });
      const writes = await Promise.all([auto.set(`${p}a`, "x"), auto.hset(`${p}h`, { f: 1, g: 2 }), auto.incr(`${p}n`), auto.incr(`${p}n`)]);
      const reads = await Promise.all([auto.get(`${p}a`), auto.hget(`${p}h`, "g"), auto.get(`${p}n`), auto.hgetall(`${p}h`)]);
      expect(writes).toEqual(["OK", 2, 1, 2]);
      expect(reads).toEqual(["x", 2, 2, { f: 1, g: 2 }]);
    });
  });
});
