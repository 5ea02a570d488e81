/**
 * BigQuery's view for reconciliation: the latest view (highest version per document, deletes hidden), so a deleted
 * document reads as absent. A page is one query with `IN UNNEST(@names)`; the keys are the view's document names.
 */
import type { BigQuery } from "@google-cloud/bigquery";
import type { ChangeEnvelope, JsonObject } from "../../envelope.js";
import { versionOf } from "../../envelope.js";
import { documentName, latestView } from "../../mappers/bigquery.js";
import { contentHash, type Held } from "../compare.js";
import { PAGE_SIZE, type KeyRange, type SinkReader } from "./reader.js";

interface LatestRow {
  document_name: string;
  data: string | null;
  /** UNIX_MICROS(version): a TIMESTAMP read as text would lose the client's microseconds to a JS Date. */
  version_us: number | string;
}

/** A version (ISO with microseconds) from microseconds since the epoch. */
export function versionOfMicros(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  return versionOf({ seconds, nanoseconds: (micros - seconds * 1_000_000) * 1000 });
}

/** The latest view does not exist until the collection's first delivery: nothing is there yet. */
const isNotFound = (error: unknown) => (error as { code?: number }).code === 404;

export function bigqueryReader(client: () => Promise<BigQuery>, datasetId: () => string): SinkReader {
  const query = async <Row>(collection: string, where: string, tail: string, params: Record<string, unknown>): Promise<Row[]> => {
    const bq = await client();
    const view = `\`${bq.projectId}.${datasetId()}.${latestView(collection)}\``;
    try {
      const [rows] = await bq.query({ query: `SELECT document_name, data, UNIX_MICROS(version) AS version_us FROM ${view} ${where} ${tail}`, params });
      return rows as Row[];
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  };
  const prefix = async () => documentName((await client()).projectId, "");

  return {
    name: "bigquery",
    expected: (envelope: ChangeEnvelope) => envelope.after ?? undefined,
    async count(collection) {
      const bq = await client();
      try {
        const [rows] = await bq.query({ query: `SELECT COUNT(*) AS n FROM \`${bq.projectId}.${datasetId()}.${latestView(collection)}\`` });
        return Number((rows[0] as { n?: unknown } | undefined)?.n ?? 0);
      } catch (error) {
        if (isNotFound(error)) return 0;
        throw error;
      }
    },
    async read(collection, envelopes) {
      const base = await prefix();
      const names = envelopes.map((envelope) => base + envelope.documentPath);
      const rows = await query<LatestRow>(collection, "WHERE document_name IN UNNEST(@names)", "", { names });
      return new Map<string, Held>(
        rows.map((row) => [
          row.document_name.slice(base.length),
          { version: versionOfMicros(Number(row.version_us)), deleted: row.data === null, hash: contentHash(JSON.parse(row.data ?? "{}") as JsonObject) },
        ]),
      );
    },
    async *live(collection, range: KeyRange) {
      const base = await prefix();
      let after = range.after;
      for (;;) {
        const conditions = [];
        const params: Record<string, string> = {};
        if (after !== undefined) {
          conditions.push("document_name > @after");
          params["after"] = base + after;
        }
        if (range.upTo !== undefined) {
          conditions.push("document_name <= @upTo");
          params["upTo"] = base + range.upTo;
        }
        const where = conditions.length ? `WHERE ${conditions.join(" AND ")}` : "";
        const rows = await query<LatestRow>(collection, where, `ORDER BY document_name LIMIT ${PAGE_SIZE}`, params);
        if (rows.length) yield rows.map((row) => ({ path: row.document_name.slice(base.length), version: versionOfMicros(Number(row.version_us)), before: {} }));
        if (rows.length < PAGE_SIZE) return;
        after = rows.at(-1)?.document_name.slice(base.length);
      }
    },
  };
}
