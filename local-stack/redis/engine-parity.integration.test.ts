import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcess } from "./memory.ts";
import { findRedisServer, startRedisServer } from "./redis-server.ts";
import { ReplyError } from "./reply.ts";
import type { Backend, Reply } from "./reply.ts";

// The in-process engine against the real server, reply for reply, including the error cases.
const CASES: string[][] = [
  ["SET", "s", "1"], ["SET", "s", "2", "NX"], ["SET", "s", "3", "XX", "GET"], ["SET", "s", "4", "EX", "0"],
  ["SET", "s", "4", "EX", "abc"], ["SET", "s", "4", "PX", "100", "EX", "5"], ["SET", "s", "4", "NX", "XX"], ["SET", "s"],
  ["SET", "m", "v", "NX", "GET"], ["SET", "m", "w", "NX", "GET"], ["SET", "t", "v", "KEEPTTL"], ["GET", "s"], ["GET", "nope"],
  ["INCR", "s"], ["INCRBY", "s", "10"], ["INCRBY", "s", "1.5"], ["INCRBY", "s", "9223372036854775807"], ["INCR", "m"],
  ["DECR", "s"], ["DECRBY", "new", "3"], ["INCR", "s", "x"], ["INCRBY", "s", "+1"], ["INCRBY", "s", "01"],
  ["HSET", "h", "a", "1", "b", "2"], ["HSET", "h", "a", "9", "c", "3"], ["HSET", "h", "a"], ["HGET", "h", "a"], ["HGET", "h", "z"],
  ["HMGET", "h", "a", "z", "c"], ["HGETALL", "h"], ["HGETALL", "none"], ["HLEN", "h"], ["HINCRBY", "h", "a", "5"],
  ["HINCRBY", "h", "x", "-5"], ["HSET", "h", "f", "1.5"], ["HINCRBY", "h", "f", "1"], ["HINCRBY", "h", "a", "x"],
  ["HDEL", "h", "a", "z"], ["HEXISTS", "h", "b"], ["HSETNX", "h", "b", "0"], ["HSETNX", "h", "n", "0"], ["HKEYS", "h"], ["HVALS", "h"],
  ["GET", "h"], ["HGET", "s", "a"], ["SADD", "s", "x"], ["TYPE", "h"], ["TYPE", "s"], ["TYPE", "none"],
  ["SADD", "set", "a", "b", "c", "a"], ["SADD", "set", "d"], ["SREM", "set", "a", "zz"], ["SISMEMBER", "set", "b"], ["SISMEMBER", "set", "a"],
  ["SMISMEMBER", "set", "b", "q"], ["SCARD", "set"], ["SCARD", "none"], ["SCARD", "h"], ["SPOP", "set", "-1"], ["SPOP", "none"],
  ["SPOP", "none", "2"], ["SPOP", "set", "0"], ["SMOVE", "set", "set2", "b"], ["SMOVE", "set", "set2", "zz"], ["SMOVE", "set", "h", "c"],
  ["SMOVE", "set", "set", "c"], ["SUNIONSTORE", "u", "set", "set2", "none"], ["SUNIONSTORE", "u", "set", "h"], ["SUNIONSTORE", "u", "none"],
  ["EXISTS", "u"], ["SUNIONSTORE", "s", "set2"], ["TYPE", "s"],
  ["EXPIRE", "h", "100"], ["TTL", "h"], ["EXPIRE", "h", "50", "GT"], ["EXPIRE", "h", "500", "GT"], ["TTL", "h"], ["EXPIRE", "h", "5", "NX"],
  ["EXPIRE", "h", "5", "XX", "LT"], ["TTL", "h"], ["EXPIRE", "h", "5", "NX", "XX"], ["EXPIRE", "h", "5", "GT", "LT"], ["EXPIRE", "h", "5", "ZZ"],
  ["EXPIRE", "h", "x"], ["EXPIRE", "none", "5"], ["PEXPIRE", "set2", "100000"], ["TTL", "set2"], ["TTL", "none"], ["TTL", "set"],
  ["PERSIST", "set2"], ["TTL", "set2"], ["EXPIRE", "set2", "0"], ["EXISTS", "set2"], ["EXPIRE", "set", "-5"], ["EXISTS", "set"],
  ["SET", "k1", "v"], ["SET", "k2", "v"], ["SET", "k[", "v"], ["SET", "k?", "v"], ["KEYS", "k[12]"], ["KEYS", "k\\?"], ["KEYS", "k[^1]"],
  ["KEYS", "k[2-1]"], ["KEYS", "?1"], ["DEL", "k1", "k2", "k3"], ["EXISTS", "k1", "k1", "k?"], ["MGET", "k?", "h", "none"],
  ["SCAN", "abc"], ["SCAN", "0", "COUNT", "0"], ["SSCAN", "u", "x"], ["SSCAN", "h", "0"], ["NOSUCH", "a", "b"], ["get"], ["PING"], ["PING", "hi"],
  ["EVAL", "return {1, 'two', false, true, 3.9, {ok='fine'}}", "0"], ["EVAL", "return redis.call('GET', KEYS[1])", "1", "s"],
  ["EVAL", "return redis.pcall('INCR', KEYS[1])", "1", "u"], ["EVAL", "return redis.error_reply('MY failure')", "0"],
  ["EVAL", "return redis.call('HGETALL', KEYS[1])", "1", "h"], ["EVAL", "return ARGV", "0", "a", "b"], ["EVAL", "return 1", "2", "a"],
  ["EVAL", "return redis.call('TYPE', KEYS[1])", "1", "h"],
  ["FLUSHALL"], ["DBSIZE"],
];

const normalise = (reply: Reply): unknown =>
  reply instanceof ReplyError ? { error: reply.message.replace(/ script: .*$/s, "") }
  : Buffer.isBuffer(reply) ? reply.toString("latin1")
  : Array.isArray(reply) ? reply.map(normalise)
  : reply;

describe.runIf(findRedisServer())("in-process engine parity with redis-server", () => {
  let real: Backend;
  let memory: Backend;
  beforeAll(async () => {
    real = await startRedisServer(findRedisServer()!);
    memory = startInProcess();
  });
  afterAll(async () => {
    await real?.stop();
    await memory?.stop();
  });

  it("when the same command sequence runs on both, then every reply matches", async () => {
    const mismatches: string[] = [];
    for (const words of CASES) {
      const command = words.map((w) => Buffer.from(w));
      const [expected] = (await real.run([command], false, () => {})) as Reply[];
      const [actual] = (await memory.run([command], false, () => {})) as Reply[];
      // KEYS answers in no defined order
      const sorted = (r: unknown) => (words[0] === "KEYS" && Array.isArray(r) ? [...(r as string[])].sort() : r);
      const [e, a] = [JSON.stringify(sorted(normalise(expected!))), JSON.stringify(sorted(normalise(actual!)))];
      if (e !== a) mismatches.push(`${words.join(" ")}\n  redis-server: ${e}\n  in-process:   ${a}`);
    }
    expect(mismatches.join("\n")).toBe("");
  });
});
