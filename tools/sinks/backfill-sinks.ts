/**
 * `npm run backfill:sinks -- --collection C --sink S [--page 500] [--reset] [--json]`: sends every existing
 * Firestore document of a mirrored collection to one sink (IMPORT rows in BigQuery, versioned upserts in MongoDB
 * and Cosmos), paged by document path, resumable from a checkpoint file after a crash or Ctrl-C.
 * It talks to whatever the environment names: the local stack's env (printed by `npm start`) or production's.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { firestoreKit } from "../../functions/lib/adapters/firestore.js";
import { closeMongo } from "../../functions/lib/adapters/mongo.js";
import { backfillSink, type BackfillProgress } from "../../functions/lib/sync/backfill.js";
import { isMirroredCollection, isSubcollection } from "../../functions/lib/sync/collections.js";
import { sinkNamed } from "../../functions/lib/sync/functions.js";
import { applyParamDefaults } from "@learnpulse/local-stack/functions-module.ts";

// Params not set in the environment take their declared defaults, as `firebase deploy` would resolve them.
await applyParamDefaults();

const { values } = parseArgs({
  options: {
    collection: { type: "string" },
    sink: { type: "string" },
    page: { type: "string", default: "500" },
    reset: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const collection = values.collection ?? "";
const sinkName = values.sink ?? "";
if (!isMirroredCollection(collection) || !["bigquery", "mongo", "cosmos"].includes(sinkName)) {
  console.error("usage: npm run backfill:sinks -- --collection <users|progress|activityDays|competencies|activities|answers> --sink <bigquery|mongo|cosmos> [--page 500] [--reset] [--json]");
  process.exit(2);
}

const checkpointFile = `.backfill-${collection}-${sinkName}.checkpoint.json`;
if (values.reset) rmSync(checkpointFile, { force: true });
const resumed = existsSync(checkpointFile) ? (JSON.parse(readFileSync(checkpointFile, "utf8")) as BackfillProgress) : undefined;

const kit = await firestoreKit();
const source = isSubcollection(collection) ? kit.db.collectionGroup(collection) : kit.db.collection(collection);
const total = (await source.count().get()).data().count;
const started = Date.now();
const doneBefore = resumed?.sent ?? 0;
if (resumed) console.error(`resuming after ${resumed.lastPath} (${resumed.sent} already sent)`);

const report = (progress: BackfillProgress) => {
  const done = doneBefore + progress.sent;
  const rate = progress.sent / Math.max(0.001, (Date.now() - started) / 1000);
  const eta = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
  const line = `${collection} -> ${sinkName}: ${done}/${total} (${Math.round((done / Math.max(1, total)) * 100)}%) ${rate.toFixed(0)}/s ETA ${eta.toFixed(0)}s  failed ${progress.failed}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
  else console.error(line);
};

const result = await backfillSink(kit, {
  collection,
  sink: sinkNamed(sinkName as "bigquery" | "mongo" | "cosmos"),
  after: resumed?.lastPath ?? null,
  pageSize: Number(values.page),
  onPage: (progress) => {
    writeFileSync(checkpointFile, JSON.stringify({ ...progress, sent: doneBefore + progress.sent }));
    report(progress);
  },
});
if (process.stderr.isTTY) process.stderr.write("\n");
rmSync(checkpointFile, { force: true });
const summary = { collection, sink: sinkName, total, ...result, sent: doneBefore + result.sent, durationMs: Date.now() - started };
if (values.json) console.log(JSON.stringify(summary));
else console.log(`done: sent ${summary.sent}, applied ${summary.applied}, skipped ${summary.skipped}, failed ${summary.failed} in ${summary.durationMs} ms`);
await closeMongo();
process.exit(result.failed ? 1 : 0);
