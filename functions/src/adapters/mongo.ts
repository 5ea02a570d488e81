/** MongoDB Atlas through the official driver, imported on first use; one client (and pool) per instance. */
import type { MongoClient } from "mongodb";
import { MONGODB_URI } from "../config.js";

/** Pooled connections per instance, shared by the requests the instance serves at once. */
export const MONGO_POOL_SIZE = 5;

/**
 * Connections one instance holds to the primary: its pool, plus the driver's two of its own per server (the
 * monitoring stream and the round-trip-time probe).
 */
export const MONGO_CONNECTIONS_PER_INSTANCE = MONGO_POOL_SIZE + 2;

/**
 * Connections the Atlas tier accepts (M0: 500; M10: 1,500 per node; Atlas docs, "connection limits"). Every function
 * that connects, at its instance cap, must stay under it together: the deploy manifest test adds them up. Raise it
 * with the tier, and the instance caps with it (options.ts).
 */
export const MONGODB_MAX_CONNECTIONS = 500;

let client: Promise<MongoClient> | undefined;

export function mongo(): Promise<MongoClient> {
  client ??= connect().catch((error: unknown) => {
    client = undefined; // a failed connection is retried by the next call
    throw error;
  });
  return client;
}

async function connect(): Promise<MongoClient> {
  const { MongoClient } = await import("mongodb");
  const mongoClient = new MongoClient(MONGODB_URI.value(), {
    maxPoolSize: MONGO_POOL_SIZE,
    // Fail a delivery within a trigger's budget; the dead-letter queue retries it later.
    serverSelectionTimeoutMS: 5_000,
    socketTimeoutMS: 10_000,
    retryWrites: true,
  });
  await mongoClient.connect();
  return mongoClient;
}

/** Closes the instance's client (its monitors would otherwise keep a process alive): shutdown and local tooling. */
export async function closeMongo(): Promise<void> {
  const current = client;
  client = undefined;
  await current?.then((connected) => connected.close()).catch(() => undefined);
}
