/**
 * Redis for the local stack behind an Upstash-compatible REST bridge, so product code talks to it through
 * the official @upstash/redis client, unchanged. A real redis-server when one is on the PATH, otherwise an
 * in-process engine (memory.ts) so `npm start` and `npm test` work on any machine.
 *
 *   const redis = await startRedis();
 *   const client = new Redis({ url: redis.restUrl, token: redis.token });
 *   await client.hset("progress:u1", { lesson: 3 });
 *   redis.commands(); // 1
 */
import { randomBytes } from "node:crypto";
import { startBridge } from "./bridge.ts";
import type { RedisFault } from "./bridge.ts";
import { startInProcess } from "./memory.ts";
import { findRedisServer, startRedisServer } from "./redis-server.ts";
import type { Backend } from "./reply.ts";

export type { RedisFault };

export interface LocalRedis {
  /** Which backend answers. */
  kind: "redis-server" | "in-process";
  /** For UPSTASH_REDIS_REST_URL, e.g. "http://127.0.0.1:8079". */
  restUrl: string;
  /** For UPSTASH_REDIS_REST_TOKEN (sent as a bearer token on every request). */
  token: string;
  /**
   * Billed commands since start or the last resetCommands(), as Upstash bills them: a pipeline or
   * MULTI/EXEC of k commands counts k (MULTI and EXEC themselves are free), EVAL/EVALSHA count 1 plus every
   * redis.call inside the script; PING, AUTH and INFO are free.
   */
  commands(): number;
  /** The same, by uppercased command name. */
  commandCounts(): Record<string, number>;
  resetCommands(): void;
  /** Requests that waited because the database was over its command rate, and how long in all (ms). */
  throttled(): { requests: number; waitedMs: number };
  /**
   * Fault injection for degraded-mode tests: "refuse" closes connections without answering, "timeout" holds
   * requests unanswered (until the client gives up or stop()), "error" answers 503 like an Upstash outage.
   * @default false
   */
  fault(mode: RedisFault): void;
  /** Empties the database (not billed). */
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** Bridge port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** @default a random token */
  token?: string;
  /** "auto" uses redis-server when it is on the PATH. @default "auto" */
  backend?: "auto" | "redis-server" | "in-process";
  /**
   * The database's command rate: past it requests wait, as Upstash throttles. @default UPSTASH_COMMANDS_PER_SECOND
   */
  commandsPerSecond?: number;
}

/** Upstash's command rate on the pay-as-you-go and fixed plans up to 50 GB (PRICES.md [13]). */
export const UPSTASH_COMMANDS_PER_SECOND = 10_000;

async function startBackend(choice: StartRedisOptions["backend"]): Promise<Backend> {
  if (choice === "in-process") return startInProcess();
  const binary = findRedisServer();
  if (binary) return startRedisServer(binary);
  if (choice === "redis-server") throw new Error("backend 'redis-server' asked for, but no redis-server is on the PATH");
  return startInProcess();
}

export async function startRedis(options: StartRedisOptions = {}): Promise<LocalRedis> {
  const token = options.token ?? randomBytes(24).toString("base64url");
  const backend = await startBackend(options.backend ?? "auto");
  let counts = new Map<string, number>();
  let total = 0;
  const billed = (name: string, n: number) => {
    counts.set(name, (counts.get(name) ?? 0) + n);
    total += n;
  };
  let bridge;
  try {
    bridge = await startBridge({ port: options.port ?? 0, token, backend, billed, commandsPerSecond: options.commandsPerSecond ?? UPSTASH_COMMANDS_PER_SECOND });
  } catch (error) {
    await backend.stop();
    throw error;
  }
  return {
    kind: backend.kind,
    restUrl: bridge.url,
    token,
    commands: () => total,
    commandCounts: () => Object.fromEntries(counts),
    resetCommands() {
      counts = new Map();
      total = 0;
    },
    throttled: () => bridge.throttled(),
    fault: (mode) => bridge.fault(mode),
    async flushAll() {
      await backend.run([[Buffer.from("FLUSHALL")]], false, () => {});
    },
    async stop() {
      await bridge.close();
      await backend.stop();
    },
  };
}
