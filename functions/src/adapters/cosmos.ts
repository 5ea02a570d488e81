/** Azure Cosmos DB through @azure/cosmos, imported on first use; one client per instance, containers created once. */
import type { Container, Database } from "@azure/cosmos";
import { COSMOS_DATABASE, COSMOS_ENDPOINT, COSMOS_KEY, serviceAddress } from "../config.js";

let database: Promise<Database> | undefined;
const containers = new Map<string, Promise<Container>>();

function cosmosDatabase(): Promise<Database> {
  database ??= (async () => {
    const endpoint = serviceAddress(COSMOS_ENDPOINT);
    const { CosmosClient } = await import("@azure/cosmos");
    const client = new CosmosClient({ endpoint, key: COSMOS_KEY.value() });
    return (await client.databases.createIfNotExists({ id: COSMOS_DATABASE.value() })).database;
  })().catch((error: unknown) => {
    database = undefined;
    throw error;
  });
  return database;
}

/** A container, created on first use with its partition key. */
export function cosmosContainer(name: string, partitionKeyPath: string): Promise<Container> {
  let container = containers.get(name);
  if (!container) {
    container = cosmosDatabase()
      .then(async (db) => (await db.containers.createIfNotExists({ id: name, partitionKey: { paths: [partitionKeyPath] } })).container)
      .catch((error: unknown) => {
        containers.delete(name);
        throw error;
      });
    containers.set(name, container);
  }
  return container;
}
