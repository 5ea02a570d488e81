/** Reading what each sink holds, through the same official clients the product uses, for comparisons in tests. */
import { bigquery } from "../../src/adapters/bigquery.js";
import { cosmosContainer } from "../../src/adapters/cosmos.js";
import { mongo } from "../../src/adapters/mongo.js";
import { BIGQUERY_DATASET, MONGODB_DATABASE } from "../../src/config.js";
import { buildEnvelope, type ChangeEnvelope, type JsonObject } from "../../src/sync/envelope.js";
import { documentName, latestView } from "../../src/sync/mappers/bigquery.js";
import { COSMOS_PARTITION_KEY, cosmosItem } from "../../src/sync/mappers/cosmos.js";
import { RESERVED_FIELDS } from "../../src/sync/mappers/mongo.js";
import { uniqueId } from "./stack.js";

/** What a sink says a document is now: its data, or null when absent or deleted. */
export type SinkView = (collection: string, documentPath: string, sample: ChangeEnvelope) => Promise<JsonObject | null>;

export const readBigQuery: SinkView = async (collection, documentPath) => {
  const bq = await bigquery();
  const [rows] = await bq.query({
    query: `SELECT data FROM \`${bq.projectId}.${BIGQUERY_DATASET.value()}.${latestView(collection)}\` WHERE document_name = @name`,
    params: { name: documentName(bq.projectId, documentPath) },
  });
  const row = rows[0] as { data?: string | null } | undefined;
  return row?.data ? (JSON.parse(row.data) as JsonObject) : null;
};

export const readMongo: SinkView = async (collection, documentPath) => {
  const doc = await (await mongo()).db(MONGODB_DATABASE.value()).collection<{ _id: string; _deleted?: boolean }>(collection).findOne({ _id: documentPath });
  if (!doc || doc["_deleted"]) return null;
  return Object.fromEntries(Object.entries(doc).filter(([key]) => !RESERVED_FIELDS.has(key))) as JsonObject;
};

/** Cosmos holds the legacy shape: the answer is the item minus system fields, to compare with the mapper's output. */
export const readCosmos: SinkView = async (_collection, _documentPath, sample) => {
  const mapped = cosmosItem(sample);
  if (!mapped) return null;
  const container = await cosmosContainer(mapped.container, COSMOS_PARTITION_KEY);
  const { resource } = await container.item(mapped.item.id, mapped.item.student_id).read<JsonObject & { _deleted?: boolean }>();
  if (!resource || resource._deleted) return null;
  return Object.fromEntries(Object.entries(resource).filter(([key]) => !["_rid", "_self", "_etag", "_attachments", "_ts"].includes(key))) as JsonObject;
};

/** The view each sink should have of a Firestore document's current data (null: deleted or absent). */
export function expectedView(sink: "bigquery" | "mongo" | "cosmos", envelope: ChangeEnvelope): JsonObject | null {
  if (!envelope.after) return null;
  if (sink !== "cosmos") return envelope.after;
  return (cosmosItem(envelope)?.item ?? null) as JsonObject | null;
}

/** A change envelope for tests: `version` orders changes of one document. */
export function testEnvelope(
  documentPath: string,
  pathParams: Record<string, string>,
  after: Record<string, unknown> | null,
  versionSeconds: number,
  before: Record<string, unknown> | null = null,
): ChangeEnvelope {
  const time = { seconds: versionSeconds, nanoseconds: 0, toDate: () => new Date(versionSeconds * 1000) };
  return buildEnvelope({
    eventId: uniqueId("evt"),
    eventTime: new Date(versionSeconds * 1000).toISOString(),
    documentPath,
    pathParams,
    before: { exists: before !== null, data: before ?? undefined, updateTime: time },
    after: { exists: after !== null, data: after ?? undefined, updateTime: time },
  });
}
