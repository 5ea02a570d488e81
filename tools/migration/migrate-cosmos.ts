/**
 * `npm run migrate:cosmos -- [--dry-run] [--batch 200] [--checkpoint <path>] [--reset] [--json]`: imports the legacy
 * Cosmos containers into Firestore (functions/src/sync/migration/backfill.ts). Reaches the stores the product's
 * adapters reach, through the same env and params: run it with the local stack's env (`npm start` prints it) or
 * with production's (GOOGLE_APPLICATION_CREDENTIALS or ADC, GCLOUD_PROJECT, COSMOS_ENDPOINT, COSMOS_KEY,
 * COSMOS_DATABASE). Progress goes to stderr, the report's JSON (with --json) alone to stdout.
 */
import { parseArgs } from "node:util";

const { values: flags } = parseArgs({
  options: {
    "dry-run": { type: "boolean", default: false },
    batch: { type: "string", default: "200" },
    checkpoint: { type: "string", default: ".migrate-cosmos.checkpoint.json" },
    reset: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const batchSize = Number(flags.batch);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1_000) {
  console.error("--batch must be an integer from 1 to 1000");
  process.exit(2);
}

// Product code logs through firebase-functions' logger, which writes to stdout: keep stdout for the report.
console.log = console.info = console.debug = console.warn = (...args: unknown[]) => console.error(...args);
const print = (text: string) => process.stdout.write(`${text}\n`);

const { backfillFromCosmos } = await import("../../functions/lib/sync/migration/backfill.js");
const { cosmosLegacyReader, fileCheckpointStore, firestoreMigrationStore } = await import("../../functions/lib/sync/migration/adapters.js");
const { progressLine, reportTable } = await import("../../functions/lib/sync/migration/report.js");
const { cosmosContainer } = await import("../../functions/lib/adapters/cosmos.js");
const { firestoreKit } = await import("../../functions/lib/adapters/firestore.js");

/** Without a terminal (CI, a log file) one line every few seconds instead of a line redrawn in place. */
const LOG_EVERY_MS = 5_000;
const tty = process.stderr.isTTY;
let lastLineAt = 0;

const report = await backfillFromCosmos(
  {
    reader: cosmosLegacyReader(cosmosContainer),
    store: firestoreMigrationStore(await firestoreKit()),
    checkpoints: fileCheckpointStore(flags.checkpoint),
    progress: (progress) => {
      if (tty) process.stderr.write(`\r\x1b[2K${progressLine(progress)}`);
      else if (Date.now() - lastLineAt >= LOG_EVERY_MS) {
        lastLineAt = Date.now();
        process.stderr.write(`${progressLine(progress)}\n`);
      }
    },
  },
  { dryRun: flags["dry-run"], batchSize, reset: flags.reset },
);
if (tty) process.stderr.write("\n");
process.stderr.write(`${reportTable(report)}\n`);
if (flags.json) print(JSON.stringify(report, null, 2));
const failed = Object.values(report.containers).some((state) => state.counts.failed > 0);
// The clients keep sockets open; the run is over.
process.exit(failed ? 1 : 0);
