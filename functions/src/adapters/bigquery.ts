/**
 * BigQuery through @google-cloud/bigquery, imported on first use (it is heavy, and pings must not load it).
 * Locally, BIGQUERY_EMULATOR_HOST names the stand-in, as FIRESTORE_EMULATOR_HOST does for Firestore; Google
 * credentials are then replaced by a fixed token, since nothing local can verify one.
 */
import type { BigQuery } from "@google-cloud/bigquery";

let client: Promise<BigQuery> | undefined;

export function bigquery(): Promise<BigQuery> {
  client ??= connect().catch((error: unknown) => {
    client = undefined;
    throw error;
  });
  return client;
}

async function connect(): Promise<BigQuery> {
  const { BigQuery } = await import("@google-cloud/bigquery");
  const projectId = process.env["GCLOUD_PROJECT"] ?? process.env["GOOGLE_CLOUD_PROJECT"];
  const emulator = process.env["BIGQUERY_EMULATOR_HOST"];
  if (!emulator) return new BigQuery({ ...(projectId ? { projectId } : {}) });
  const { OAuth2Client } = await import("google-auth-library");
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: "local-emulator", expiry_date: Date.now() + 365 * 86_400_000 });
  return new BigQuery({ ...(projectId ? { projectId } : {}), apiEndpoint: `http://${emulator}`, authClient });
}
