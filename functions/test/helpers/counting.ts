/**
 * Counting proxies over real clients: what a use case spends (Upstash bills every command, including each one
 * inside a pipeline) is measured on the very client it uses, not asserted from the code.
 */
import type { Redis } from "@upstash/redis";
import { createUpstashClient, REDIS_BULK_TIMEOUT_MS } from "../../src/adapters/upstash.js";
import { partitionPattern } from "../../src/progress/layout.js";
import { userShards } from "../../src/progress/shards.js";

export interface CommandCounter {
  total(): number;
  byCommand(): Record<string, number>;
  reset(): void;
}

/** Names of @upstash/redis methods that are not Redis commands. */
const NOT_COMMANDS = new Set(["pipeline", "multi", "autoPipeline", "use", "createScript", "then", "readYourWritesSyncToken", "exec", "length"]);

/** Wraps a real @upstash/redis client; every command, direct or inside a pipeline/multi, is counted once. */
export function countingRedis<T extends object>(client: T): { client: T; counter: CommandCounter } {
  let counts: Record<string, number> = {};
  const count = (name: string) => void (counts[name.toUpperCase()] = (counts[name.toUpperCase()] ?? 0) + 1);
  const wrapBatch = <B extends object>(batch: B): B =>
    new Proxy(batch, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof property !== "string" || typeof value !== "function") return value;
        if (NOT_COMMANDS.has(property)) return value.bind(target);
        return (...args: unknown[]) => {
          count(property);
          const result = value.apply(target, args);
          return result === target ? receiver : result; // keep chaining through the proxy
        };
      },
    });
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== "string" || typeof value !== "function") return value;
      if (property === "pipeline" || property === "multi") return (...args: unknown[]) => wrapBatch(value.apply(target, args));
      if (NOT_COMMANDS.has(property)) return value.bind(target);
      return (...args: unknown[]) => {
        count(property);
        return value.apply(target, args);
      };
    },
  });
  return {
    client: proxy,
    counter: {
      total: () => Object.values(counts).reduce((sum, n) => sum + n, 0),
      byCommand: () => ({ ...counts }),
      reset: () => void (counts = {}),
    },
  };
}

/** A real @upstash/redis client for the stack's bridge, configured as the product's adapter is (its transport too). */
/** A client of the shard that holds `uid`'s buffer, as the product picks it. */
export function userRedis(uid: string): Redis {
  return stackRedis({ shard: userShards(uid).current });
}

export function stackRedis(options: { url?: string; timeoutMs?: number; shard?: number } = {}): Redis {
  const suffix = options.shard ? `_${options.shard}` : "";
  return createUpstashClient({
    url: options.url ?? (process.env[`UPSTASH_REDIS_REST_URL${suffix}`] as string),
    token: process.env[`UPSTASH_REDIS_REST_TOKEN${suffix}`] as string,
    timeoutMs: options.timeoutMs ?? REDIS_BULK_TIMEOUT_MS,
    retries: 0,
  });
}

/** The buffer's keys on one shard (of one part, if given), sorted: what a flush still has to drain there. */
export async function bufferKeys(redis: Redis, part?: number): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, { match: part === undefined ? "lp:b:*" : partitionPattern(part), count: 1_000 });
    cursor = String(next);
    for (const key of found) keys.add(String(key));
  } while (cursor !== "0");
  return [...keys].sort();
}
