/**
 * Azure Cosmos DB (NoSQL API) for the local stack: @vercel/cosmosdb-server's in-memory engine behind our
 * own HTTP front (server.ts), so product code uses the official @azure/cosmos client unchanged — a plain
 * `new CosmosClient({ endpoint, key })`, endpoint discovery included.
 *
 *   const cosmos = await startCosmos();
 *   const client = new CosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key });
 *   const { database } = await client.databases.createIfNotExists({ id: "learnpulse" });
 *   cosmos.stats(); // { requests, reads, writes, requestUnits, throttled }
 */
import { startServer } from "./server.ts";
import type { CosmosFault, CosmosStats } from "./server.ts";

export type { CosmosFault, CosmosStats };

/**
 * The Azure Cosmos DB Emulator's published master key (learn.microsoft.com, "Authenticate requests" for the
 * emulator). The stand-in does not check signatures, but the client needs a base64 key to sign with.
 */
export const EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

export interface LocalCosmos {
  /** For COSMOS_ENDPOINT, e.g. "http://127.0.0.1:8081". */
  endpoint: string;
  /** For COSMOS_KEY. */
  key: string;
  /**
   * Fault injection for degraded-mode tests: "refuse" closes connections without answering, "timeout" holds
   * requests unanswered (until the client gives up or stop()), "error" answers 503 ServiceUnavailable,
   * "throttle" answers 429 with `x-ms-retry-after-ms` (the client retries those itself, 9 times by default).
   * @default false
   */
  fault(mode: CosmosFault): void;
  /** Requests since start or the last resetStats(); see CosmosStats for what counts as a read or a write. */
  stats(): CosmosStats;
  resetStats(): void;
  /** Sets every container's RU/s budget (Infinity: none); past it, item requests get 429 with `x-ms-retry-after-ms`. */
  setRuPerSecond(ruPerSecond: number): void;
  /** Drops every database. */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartCosmosOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** What a throttled answer asks the client to wait before retrying. @default 50 */
  throttleRetryAfterMs?: number;
  /**
   * Each container's request units per second; past them, item requests are answered 429 with the wait, as Cosmos
   * does. @default 5,000 (serverless, per container: PRICES.md [40]); Infinity for none
   */
  ruPerSecond?: number;
}

/** Serverless Cosmos gives each container 5,000 RU/s (PRICES.md [40]). */
export const COSMOS_SERVERLESS_RU_PER_SECOND = 5_000;

export async function startCosmos(options: StartCosmosOptions = {}): Promise<LocalCosmos> {
  const server = await startServer({
    port: options.port ?? 0,
    throttleRetryAfterMs: options.throttleRetryAfterMs ?? 50,
    ruPerSecond: options.ruPerSecond ?? COSMOS_SERVERLESS_RU_PER_SECOND,
  });
  return {
    endpoint: server.endpoint,
    key: EMULATOR_KEY,
    fault: (mode) => server.fault(mode),
    stats: () => server.stats(),
    resetStats: () => server.resetStats(),
    setRuPerSecond: (value) => server.setRuPerSecond(value),
    clear: async () => server.clear(),
    stop: () => server.close(),
  };
}
