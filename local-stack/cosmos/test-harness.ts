import { randomUUID } from "node:crypto";
import { CosmosClient } from "@azure/cosmos";
import type { Container, CosmosClientOptions } from "@azure/cosmos";
import type { LocalCosmos } from "./index.ts";

/** The product's construction: no connection policy, endpoint discovery on. */
export const client = (cosmos: LocalCosmos, options: Partial<CosmosClientOptions> = {}): CosmosClient =>
  new CosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key, ...options });

/** A fresh container partitioned like the product's (`/student_id`), in a fresh database, per test. */
export async function freshContainer(cosmos: CosmosClient): Promise<Container> {
  const { database } = await cosmos.databases.createIfNotExists({ id: `db-${randomUUID()}` });
  const { container } = await database.containers.createIfNotExists({
    id: "progress",
    partitionKey: { paths: ["/student_id"] },
  });
  return container;
}

/** The status code of a rejected client call (the SDK's ErrorResponse carries it as `code`). */
export async function statusOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return "resolved";
}
