/**
 * `npm run reshard -- verify [--json]`: the check that ends a reshard (docs/operations.md "Resharding"). Scans every
 * shard's buffer keys and counts those of users whom the layout in force (UPSTASH_SHARDS) puts on another shard; it
 * exits 1 while any is left. Reaches Upstash through the same env as the functions: UPSTASH_SHARDS,
 * UPSTASH_SHARDS_PREVIOUS, UPSTASH_REDIS_REST_URL(_n), UPSTASH_REDIS_REST_TOKEN(_n) (`npm start` prints the local ones).
 * One line per shard on stderr as it is scanned; the JSON report alone on stdout with --json.
 */
import { parseArgs } from "node:util";

const { values: flags, positionals } = parseArgs({ options: { json: { type: "boolean", default: false } }, allowPositionals: true });
if (positionals[0] !== "verify") {
  console.error("usage: npm run reshard -- verify [--json]");
  process.exit(2);
}

const { createUpstashClient, REDIS_BULK_TIMEOUT_MS } = await import("../../functions/lib/adapters/upstash.js");
const { misplacedKeys } = await import("../../functions/lib/progress/reshard.js");

const count = (name: string, fallback: number) => {
  const value = Number(process.env[name] || fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got ${process.env[name]}`);
  return value;
};
const current = count("UPSTASH_SHARDS", 1);
const shards = Math.max(current, count("UPSTASH_SHARDS_PREVIOUS", 0));
const caches = Array.from({ length: shards }, (_, shard) => {
  const suffix = shard === 0 ? "" : `_${shard}`;
  const url = process.env[`UPSTASH_REDIS_REST_URL${suffix}`];
  const token = process.env[`UPSTASH_REDIS_REST_TOKEN${suffix}`];
  if (!url || !token) throw new Error(`UPSTASH_REDIS_REST_URL${suffix} and UPSTASH_REDIS_REST_TOKEN${suffix} must be set`);
  return createUpstashClient({ url, token, timeoutMs: REDIS_BULK_TIMEOUT_MS, retries: 1 });
});

const reports = await misplacedKeys(caches, current, (report) =>
  process.stderr.write(`shard ${report.shard}: ${report.keys} buffer keys, ${report.misplaced} of users now on another shard${report.sample.length ? ` (e.g. ${report.sample.join(", ")})` : ""}\n`),
);
const misplaced = reports.reduce((sum, report) => sum + report.misplaced, 0);
process.stderr.write(misplaced ? `not done: ${misplaced} keys still wait for a flush of their window\n` : `done: every buffered key is on its user's shard of ${current}\n`);
if (flags.json) process.stdout.write(`${JSON.stringify({ shards: current, checked: shards, misplaced, reports }, null, 2)}\n`);
process.exitCode = misplaced ? 1 : 0;
