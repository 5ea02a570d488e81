/**
 * `npm run cost -- [--students 10000 --interval 5 --flush 300 --hours 1] [--json]`: dollars per 1M pings for
 * LearnPulse, every ping written straight to Firestore, and the baseline write-behind (HSET+SADD+EXPIRE), from the
 * op counts `npm run simulate` measured (tools/cost/last-simulation.json) and the prices in tools/cost/prices.json.
 * The scenario options only size the totals and scale the once-per-window ops (tools/cost/model.ts).
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { costReport, type CostReport, type LineItems, type Measurement, type Prices } from "./model.ts";
import { positiveNumber } from "../shared/args.ts";

const { values } = parseArgs({
  options: {
    students: { type: "string", default: "10000" },
    interval: { type: "string", default: "5" },
    flush: { type: "string", default: "300" },
    hours: { type: "string", default: "1" },
    json: { type: "boolean", default: false },
  },
});

const measurementFile = new URL("./last-simulation.json", import.meta.url);
const simulation = await readFile(measurementFile, "utf8").catch(() => undefined);
if (!simulation) {
  process.stderr.write(`No measurement at tools/cost/last-simulation.json: run \`npm run simulate -- --students 200 --minutes 10\` first.\n`);
  process.exit(2);
}
const measured = JSON.parse(simulation) as {
  at: string;
  options: { students: number; minutes: number; intervalSec: number; simulatedWindowSec: number | null };
  pings: { acknowledged: number };
  flushes: number;
  ops: Measurement["ops"];
};
const prices = JSON.parse(await readFile(new URL("./prices.json", import.meta.url), "utf8")) as Prices & { collected: string };
const report = costReport(
  { pings: measured.pings.acknowledged, intervalSec: measured.options.intervalSec, windowSec: measured.options.simulatedWindowSec, flushes: measured.flushes, ops: measured.ops },
  prices,
  { students: positiveNumber("students", values.students), intervalSec: positiveNumber("interval", values.interval), flushSec: positiveNumber("flush", values.flush), hours: positiveNumber("hours", values.hours) },
);
const source = { measuredAt: measured.at, simulation: `${measured.options.students} students × ${measured.options.minutes} simulated min`, pricesCollected: prices.collected };
process.stdout.write(values.json ? `${JSON.stringify({ ...report, source }, null, 2)}\n` : `${table(report, source)}\n`);

function table(r: CostReport, s: typeof source): string {
  const designs = { learnpulse: r.learnpulse, directFirestore: r.directFirestore, baselineWriteBehind: r.baselineWriteBehind, "other workload (all three)": r.otherWorkload };
  const names = Object.keys(designs);
  const items: (keyof LineItems)[] = ["invocations", "compute", "upstash", "firestore", "triggers", "bigquery", "cosmos"];
  const cell = (v: number | string) => String(v).padStart(14);
  const rows = [
    `USD per 1M pings (measured ${s.measuredAt}: ${s.simulation}; prices ${s.pricesCollected}; window scale ${r.windowScale})`,
    `${"".padEnd(24)}${names.map((n) => n.padStart(Math.max(14, n.length + 2))).join("")}`,
    ...items.map((item) => `${item.padEnd(24)}${names.map((n) => cell(designs[n as keyof typeof designs].lineItems[item].toFixed(4)).padStart(Math.max(14, n.length + 2))).join("")}`),
    `${"total".padEnd(24)}${names.map((n) => cell(designs[n as keyof typeof designs].usdPerMillionPings.toFixed(4)).padStart(Math.max(14, n.length + 2))).join("")}`,
    `${"Upstash commands/ping".padEnd(24)}${names.map((n) => cell(designs[n as keyof typeof designs].opsPerPing.upstashCommands).padStart(Math.max(14, n.length + 2))).join("")}`,
    `${"Firestore writes/ping".padEnd(24)}${names.map((n) => cell(designs[n as keyof typeof designs].opsPerPing.firestoreWrites).padStart(Math.max(14, n.length + 2))).join("")}`,
    "",
    `LearnPulse ÷ direct = ${r.ratios.learnpulseToDirect} (target ≤ 0.6: ${r.ratios.learnpulseToDirect <= 0.6 ? "met" : "NOT met"}); LearnPulse ÷ baseline = ${r.ratios.learnpulseToBaseline} (target ≤ 0.45: ${r.ratios.learnpulseToBaseline <= 0.45 ? "met" : "NOT met"})`,
    `Scenario: ${r.scenario.students} students, a ping every ${r.scenario.intervalSec} s, ${r.scenario.flushSec} s flush, ${r.scenario.hours} h = ${r.scenario.pings} pings: ` +
      `learnpulse $${r.scenario.usd.learnpulse}, direct $${r.scenario.usd.directFirestore}, baseline $${r.scenario.usd.baselineWriteBehind} (PAYG, no free tier)`,
    `LearnPulse Upstash rate ${r.learnpulse.upstashCommandsPerSecond} commands/s; on a fixed plan instead: ${r.scenario.upstashFixedPlans.map((p) => `${p.name} $${p.usd}${p.learnpulseFits ? "" : " (over the 10,000 cmds/s cap)"}`).join(", ")}`,
  ];
  return rows.join("\n");
}
