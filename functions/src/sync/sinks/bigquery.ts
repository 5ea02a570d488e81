/**
 * The BigQuery sink: an append-only changelog per collection with insertId = event id, and a "latest" view.
 * Dataset, table and view are created once per instance (the promise is cached), not per event.
 */
import type { BigQuery, Dataset, Table } from "@google-cloud/bigquery";
import { STORED_SCHEMAS } from "../../schemas/stored.js";
import { isMirroredCollection, MIRRORED_DOCUMENTS } from "../collections.js";
import { typedViews } from "../mappers/bigquery-views.js";
import type { ChangeEnvelope } from "../envelope.js";
import { CHANGELOG_SCHEMA, changelogRow, changelogTable, latestView, latestViewSql } from "../mappers/bigquery.js";
import { outcomeOf, type Sink } from "./sink.js";

export function bigquerySink(client: () => Promise<BigQuery>, datasetId: () => string): Sink {
  const tables = new Map<string, Promise<Table>>();

  const tableFor = (collection: string): Promise<Table> => {
    let table = tables.get(collection);
    if (!table) {
      table = ensureTable(client, datasetId(), collection).catch((error: unknown) => {
        tables.delete(collection);
        throw error;
      });
      tables.set(collection, table);
    }
    return table;
  };

  return {
    name: "bigquery",
    // No repair option: the changelog only appends, and a repair's row (same version, later timestamp = its event
    // time) wins the latest view's tie-break.
    deliver: (envelope: ChangeEnvelope) =>
      outcomeOf(async () => {
        const bq = await client();
        const table = await tableFor(envelope.collection);
        // raw: the row already carries its insertId. A row in insertErrors is invalid, not unlucky: sending it again
        // (the client's default partialRetries) cannot help, so it fails at once into the dead letters.
        await table.insert([changelogRow(envelope, bq.projectId)], { raw: true, partialRetries: 0 });
        return { applied: true };
      }),
  };
}

/** A collection's changelog table, its latest view and its typed views, each created if missing (or redefined). */
export async function ensureTable(client: () => Promise<BigQuery>, datasetId: string, collection: string): Promise<Table> {
  const bq = await client();
  const [dataset] = await bq.dataset(datasetId).get({ autoCreate: true });
  const [table] = await dataset.table(changelogTable(collection)).get({
    autoCreate: true,
    schema: CHANGELOG_SCHEMA.map((field) => ({ ...field })),
    timePartitioning: { type: "DAY", field: "timestamp" },
    clustering: { fields: ["document_name"] },
  });
  await dataset.table(latestView(collection)).get({
    autoCreate: true,
    view: { query: latestViewSql(bq.projectId, datasetId, collection), useLegacySql: false },
  });
  await ensureTypedViews(dataset, bq.projectId, datasetId, collection);
  return table;
}

/** The typed views (mappers/bigquery-views.ts), created, or redefined when the schema they come from has changed. */
async function ensureTypedViews(dataset: Dataset, projectId: string, datasetId: string, collection: string): Promise<void> {
  const schema = isMirroredCollection(collection) ? STORED_SCHEMAS[collection] : undefined;
  if (!schema || !isMirroredCollection(collection)) return;
  for (const typed of typedViews({ projectId, dataset: datasetId, collection, pattern: MIRRORED_DOCUMENTS[collection], schema })) await ensureView(dataset, typed.name, typed.sql);
}

/** A view, created with this query if missing, or redefined if its query is another. */
export async function ensureView(dataset: Dataset, name: string, sql: string): Promise<void> {
  const definition = { query: sql, useLegacySql: false };
  const view = dataset.table(name);
  // get() passes what it is given on to the create it may make (its type names only autoCreate).
  const createIfMissing = { autoCreate: true, view: definition };
  await view.get(createIfMissing);
  if ((view.metadata as { view?: { query?: string } }).view?.query !== sql) await view.setMetadata({ view: definition });
}
