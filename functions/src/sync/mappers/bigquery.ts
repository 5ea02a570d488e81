/**
 * Envelope → BigQuery changelog row (the shape of Firebase's "Stream Firestore to BigQuery" extension, plus a
 * `version` column). The latest view orders by version, not arrival, so late and duplicated deliveries never win.
 */
import type { ChangeEnvelope } from "../envelope.js";

export const changelogTable = (collection: string) => `${collection}_raw_changelog`;
export const latestView = (collection: string) => `${collection}_raw_latest`;

export const CHANGELOG_SCHEMA = [
  { name: "timestamp", type: "TIMESTAMP", mode: "REQUIRED", description: "When the change happened" },
  { name: "event_id", type: "STRING", mode: "REQUIRED", description: "Firestore event id (insertId)" },
  { name: "document_name", type: "STRING", mode: "REQUIRED", description: "Full Firestore resource name" },
  { name: "document_id", type: "STRING", mode: "REQUIRED" },
  { name: "operation", type: "STRING", mode: "REQUIRED", description: "CREATE, UPDATE, DELETE or IMPORT" },
  { name: "data", type: "STRING", mode: "NULLABLE", description: "The document after the change, as JSON" },
  { name: "old_data", type: "STRING", mode: "NULLABLE", description: "The document before the change, as JSON" },
  { name: "path_params", type: "STRING", mode: "NULLABLE", description: "Wildcards of the document path, as JSON" },
  { name: "version", type: "TIMESTAMP", mode: "REQUIRED", description: "Document update time (event time for deletes)" },
] as const;

export interface ChangelogRow {
  insertId: string;
  json: {
    timestamp: string;
    event_id: string;
    document_name: string;
    document_id: string;
    operation: string;
    data: string | null;
    old_data: string | null;
    path_params: string;
    version: string;
  };
}

export const documentName = (projectId: string, documentPath: string) => `projects/${projectId}/databases/(default)/documents/${documentPath}`;

export function changelogRow(envelope: ChangeEnvelope, projectId: string): ChangelogRow {
  return {
    // BigQuery drops a row whose insertId it saw within about a minute: redeliveries of one event collapse.
    insertId: envelope.eventId,
    json: {
      timestamp: envelope.eventTime,
      event_id: envelope.eventId,
      document_name: documentName(projectId, envelope.documentPath),
      document_id: envelope.documentId,
      operation: envelope.operation,
      data: envelope.after ? JSON.stringify(envelope.after) : null,
      old_data: envelope.before ? JSON.stringify(envelope.before) : null,
      path_params: JSON.stringify(envelope.pathParams),
      version: envelope.version,
    },
  };
}

/** The latest state per document: highest version wins (ties: later event), deletes hidden. */
export function latestViewSql(projectId: string, dataset: string, collection: string): string {
  return [
    "SELECT * EXCEPT (rn) FROM (",
    "  SELECT *, ROW_NUMBER() OVER (PARTITION BY document_name ORDER BY version DESC, timestamp DESC, event_id DESC) AS rn",
    `  FROM \`${projectId}.${dataset}.${changelogTable(collection)}\`)`,
    "WHERE rn = 1 AND operation != 'DELETE'",
  ].join("\n");
}
