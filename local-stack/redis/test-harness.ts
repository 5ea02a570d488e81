import { randomUUID } from "node:crypto";
import { Redis } from "@upstash/redis";
import type { RedisConfigNodejs } from "@upstash/redis";
import { findRedisServer } from "./redis-server.ts";
import type { LocalRedis } from "./index.ts";

/** Both backends; redis-server only where one is installed (the in-process engine runs everywhere). */
export const BACKENDS = [
  { backend: "redis-server" as const, available: findRedisServer() !== undefined },
  { backend: "in-process" as const, available: true },
];

/** The client's default (base64) and plain JSON responses. */
export const ENCODINGS = [
  { encoding: "base64", responseEncoding: undefined },
  { encoding: "plain", responseEncoding: false as const },
];

export function client(redis: LocalRedis, options: Partial<RedisConfigNodejs> = {}): Redis {
  return new Redis({ url: redis.restUrl, token: redis.token, enableTelemetry: false, retry: false, ...options });
}

/** A fresh key prefix per test, so tests never share keys. */
export const prefix = (): string => `t:${randomUUID()}:`;
