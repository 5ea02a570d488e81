/**
 * BigQuery through @google-cloud/bigquery, imported on first use (it is heavy, and pings must not load it).
 * Locally, BIGQUERY_EMULATOR_HOST names the stand-in (a URL: the client itself reads the variable as its base URL),
 * as FIRESTORE_EMULATOR_HOST does for Firestore; Google credentials are then replaced by a fixed token, since
 * nothing local can verify one.
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

/**
 * One quick retry, not the client's default backoff (an outage took ~15 s to surface): a failed delivery becomes a
 * dead letter, and the replay is the retry that waits.
 */
const RETRY_OPTIONS = { autoRetry: true, maxRetries: 1, maxRetryDelay: 1, totalTimeout: 10 };

async function connect(): Promise<BigQuery> {
  const { BigQuery } = await import("@google-cloud/bigquery");
  const projectId = process.env["GCLOUD_PROJECT"] ?? process.env["GOOGLE_CLOUD_PROJECT"];
  const base = { ...(projectId ? { projectId } : {}), retryOptions: RETRY_OPTIONS };
  const emulator = process.env["BIGQUERY_EMULATOR_HOST"];
  if (!emulator) return new BigQuery(base);
  const { OAuth2Client } = await import("google-auth-library");
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: "local-emulator", expiry_date: Date.now() + 365 * 86_400_000 });
  return new BigQuery({ ...base, apiEndpoint: emulator.includes("://") ? emulator : `http://${emulator}`, authClient });
}
