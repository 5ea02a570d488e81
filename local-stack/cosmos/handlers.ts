/**
 * Our replacements for the package's handlers where it differs from Cosmos for calls the product makes.
 * Each one closes a gap named in LAB.md or found while testing with @azure/cosmos 4.10.
 */
import { isDeepStrictEqual } from "node:util";
import type { IncomingMessage, ServerResponse } from "node:http";
import { getValue, readItems } from "./package.ts";
import type { Account, Collection } from "./package.ts";

const PARTITION_KEY_HEADER = "x-ms-documentdb-partitionkey";
const QUERY_PLAN_HEADER = "x-ms-cosmos-is-query-plan-request";

/**
 * GET `/`, the database account. The client's endpoint discovery sends every later request to the
 * `writableLocations`/`readableLocations` it finds here; the package names `https://host:port/`, where
 * nothing listens (and its certificate expired in 2021), so we point them back at our own http endpoint.
 * Its `id` must not be "localhost": @azure/cosmos ignores the locations of an account with that id.
 */
export function databaseAccount(account: Account, endpoint: string): object {
  const locations = [{ name: "Local", databaseAccountEndpoint: `${endpoint}/` }];
  return { ...account.read(), id: "local", writableLocations: locations, readableLocations: locations };
}

export const isQueryPlanRequest = (req: IncomingMessage) =>
  String(req.headers[QUERY_PLAN_HEADER] ?? "").toLowerCase() === "true";

/**
 * The client asks for a query plan alongside every item query, but uses it only when the gateway refuses
 * to run the query itself (a 400 with `additionalErrorInfo`); the stand-in runs every query whole, on
 * its one partition key range, so it never refuses. We answer 400 rather than the package's default
 * (running the query and sending documents as if they were a plan), so a client that forces the plan
 * (`forceQueryPlan`, `enableQueryControl`) fails loudly instead of misreading the answer.
 */
export function refuseQueryPlan(res: ServerResponse): object {
  res.statusCode = 400;
  return { code: "BadRequest", message: "the Cosmos stand-in does not produce query plans" };
}

/**
 * The partition key of a request, as its components, or undefined for a cross-partition request.
 * `{}` stands for PartitionKey.None (documents without the key's field).
 */
function requestPartitionKey(req: IncomingMessage): unknown[] | undefined {
  const header = req.headers[PARTITION_KEY_HEADER];
  if (typeof header !== "string") return undefined;
  const parsed: unknown = JSON.parse(header);
  return Array.isArray(parsed) ? parsed : [parsed];
}

type Doc = Record<string, unknown>;

/** The collection's documents, only those in the request's partition when it names one. */
function documentsInScope(collection: Collection, req: IncomingMessage): Doc[] {
  const all = [...collection.documents._data.values()].map((item) => item.read() as Doc);
  const key = requestPartitionKey(req);
  const paths: string[] = collection.read()?.partitionKey?.paths ?? [];
  if (!key || paths.length === 0) return all;
  const fields = paths.map((path) => path.slice(1).split("/"));
  const none = (component: unknown) => isDeepStrictEqual(component, {});
  return all.filter((doc) =>
    fields.every((field, i) => {
      const value = getValue(field, doc);
      return none(key[i]) ? value === undefined : isDeepStrictEqual(value, key[i]);
    }),
  );
}

/** Composite indexes decide which multi-field ORDER BYs a query may use; a path's order defaults to ascending. */
const compositeIndexes = (collection: Collection) =>
  (collection.read()?.indexingPolicy?.compositeIndexes ?? []).map((group) =>
    group.map(({ path, order }) => ({ path, order: order ?? ("ascending" as const) })),
  );

const parseJson = (body: Buffer): { query?: unknown; parameters?: { name: string; value: unknown }[] } => {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return {};
  }
};

/**
 * POST `.../docs` with a query (also what `readAll()` sends in 4.x). The package runs the query over every
 * document of the container and ignores the partition key header; Cosmos runs it in that partition only.
 */
export function queryDocuments(
  account: Account,
  req: IncomingMessage,
  res: ServerResponse,
  { dbId, collId }: Record<string, string>,
  body: Buffer,
): Promise<unknown> {
  return readItems(req, res, "Documents", ({ maxItemCount, continuation }) => {
    const { query, parameters } = parseJson(body);
    if (typeof query !== "string" || !query) {
      res.statusCode = 400;
      return { code: "BadRequest", message: "missing query" };
    }
    const collection = account.database(dbId!).collection(collId!);
    if (!collection.read()) return null; // readItems answers 404
    const documents = collection.documents;
    try {
      return documents._getQuery(query).exec(documentsInScope(collection, req), {
        parameters,
        udf: documents._userDefinedFunctions() ?? undefined,
        maxItemCount: maxItemCount ?? undefined,
        continuation: continuation ?? undefined,
        compositeIndexes: compositeIndexes(collection),
      });
    } catch (error) {
      // as the package does: syntax and evaluation errors (an unknown function, a missing parameter) are 400s
      res.statusCode = 400;
      return { code: "BadRequest", message: error instanceof Error ? error.message : String(error) };
    }
  });
}

/** GET `.../docs`, the read feed: the same partition scoping as queries. */
export function readDocuments(
  account: Account,
  req: IncomingMessage,
  res: ServerResponse,
  { dbId, collId }: Record<string, string>,
): Promise<unknown> {
  return readItems(req, res, "Documents", ({ maxItemCount, continuation }) => {
    const collection = account.database(dbId!).collection(collId!);
    if (!collection.read()) return null;
    return collection.documents._getQuery("SELECT * FROM c").exec(documentsInScope(collection, req), {
      maxItemCount: maxItemCount ?? undefined,
      continuation: continuation ?? undefined,
    });
  });
}
