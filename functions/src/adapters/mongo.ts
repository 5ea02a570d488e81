/** MongoDB Atlas through the official driver, imported on first use; one client (and pool) per instance. */
import type { MongoClient } from "mongodb";
import { MONGODB_URI } from "../config.js";

/**
 * Connections per instance. Atlas limits connections per tier (M0: 500, M10: 1,500 per node); with the sync
 * functions capped at 50 instances (sync/functions.ts), 5 × 50 = 250 stays well inside the smallest tier.
 */
export const MONGO_POOL_SIZE = 5;

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
