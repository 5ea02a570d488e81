/**
 * `npm run reconcile -- --collection answers --sink mongo [--repair] [--limit N] [--json]`: compares Firestore with a
 * sink for one mirrored collection (functions/src/sync/reconcile/), prints progress and the report (also stored in
 * `_sync/reconcile/runs/{runId}`). It uses the product's adapters, so it reaches whatever the environment names:
 * the local stack (export the env `npm start` prints) or production (Google credentials plus the sink params and
 * secrets in the environment).
 */
import { parseArgs } from "node:util";
import { applyParamDefaults, closeFunctionClients } from "@learnpulse/local-stack/functions-module.ts";
import { firestoreKit } from "../../functions/lib/adapters/firestore.js";
import { MirroredCollection, SinkName } from "../../functions/lib/schemas/sync.js";
import { reconcileTarget } from "../../functions/lib/sync/reconcile/functions.js";
import { DEFAULT_LIMIT, reconcile } from "../../functions/lib/sync/reconcile/reconcile.js";

const USAGE = "usage: npm run reconcile -- --collection <collection> --sink <bigquery|mongo|cosmos> [--repair] [--limit N] [--json]";

const { values } = parseArgs({
  options: {
    collection: { type: "string" },
    sink: { type: "string" },
    repair: { type: "boolean", default: false },
    limit: { type: "string" },
    json: { type: "boolean", default: false },
  },
});

const collection = MirroredCollection.safeParse(values.collection);
const sink = SinkName.safeParse(values.sink);
const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit);
if (!collection.success || !sink.success || !Number.isInteger(limit) || limit < 1) {
  console.error(`${USAGE}\ncollections: ${MirroredCollection.options.join(", ")}`);
  process.exit(2);
}

// Deployed functions get their params' defaults from `firebase deploy`; a script sets them itself.
await applyParamDefaults();
const started = Date.now();
const progress = (checked: number, line: string) => {
  const rate = Math.round(checked / Math.max((Date.now() - started) / 1000, 0.001));
  process.stderr.write(`\r${line} · ${rate} docs/s   `);
};

try {
  const report = await reconcile(await firestoreKit(), reconcileTarget(collection.data, sink.data), {
    repair: values.repair,
    limit,
    onProgress: (r) => progress(r.checked, `checked ${r.checked}/${limit} · missing ${r.missing} · stale ${r.stale} · extra ${r.extra} · repaired ${r.repaired}`),
  });
  process.stderr.write("\n");
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`reconcile ${report.collection} with ${report.sink} (run ${report.runId}, ${report.durationMs} ms, stored in _sync/reconcile/runs/${report.runId})`);
    console.log(`checked ${report.checked}  missing ${report.missing}  stale ${report.stale} (changed at the same version: ${report.changed})  extra ${report.extra}`);
    console.log(`repaired ${report.repaired}  repair failed ${report.repairFailed}${report.repair ? "" : "  (run with --repair to fix)"}`);
    for (const [kind, paths] of Object.entries(report.examples)) if (paths.length) console.log(`  ${kind}: ${paths.join(", ")}`);
  }
  process.exitCode = report.missing + report.stale + report.extra > report.repaired ? 1 : 0;
} finally {
  await closeFunctionClients();
}
