/**
 * `npm run bench:compare -- a.json b.json`: do two runs of a benchmark agree? A figure measured in rounds
 * (`{median, min, max, rounds}`) agrees when the two medians differ by no more than the narrower of the two runs'
 * spreads (max − min). Figures without a
 * range (exact counts, and values given as a plain median) are listed beside each other, without a verdict. Prints
 * JSON; exits 1 when a figure disagrees.
 */
import { readFileSync } from "node:fs";
import { compareRuns } from "./stats.ts";

const [first, second] = process.argv.slice(2);
if (!first || !second) {
  process.stderr.write("usage: npm run bench:compare -- <first run.json> <second run.json>\n");
  process.exit(2);
}
function read(path: string): Record<string, unknown> {
  try {
    const result: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof result === "object" && result !== null && !Array.isArray(result)) return result as Record<string, unknown>;
  } catch (error) {
    process.stderr.write(`${path}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.stderr.write(`${path} is not a benchmark's JSON result (npm run bench:progress > run.json)\n`);
  process.exit(2);
}
const comparison = compareRuns(read(first), read(second));
process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
process.exitCode = comparison.disagree.length || comparison.missing.length ? 1 : 0;
