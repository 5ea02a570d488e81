/**
 * `npm run cost -- [--students 10000 --interval 5 --hours 1] [--json]`: dollars per 1M pings of LearnPulse, every ping
 * written straight to Firestore ("direct"), and the seed's write-behind ("baseline"), each from the op counts its own
 * `npm run simulate -- --design <name>` measured (tools/cost/last-simulation[-design].json), with the prices in
 * tools/cost/prices.json. The scenario options only size the totals.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { costReport, DESIGN_NAMES, type CostReport, type DesignName, type LineItems, type Measurement, type Prices } from "./model.ts";
import { positiveNumber } from "../shared/args.ts";

const { values } = parseArgs({
  options: {
    students: { type: "string", default: "10000" },
    interval: { type: "string", default: "5" },
    hours: { type: "string", default: "1" },
    json: { type: "boolean", default: false },
  },
});

interface Simulation {
  simulation: DesignName;
  at: string;
  seed: number | null;
  options: { students: number; minutes: number; intervalSec: number; simulatedWindowSec: number | null };
  pings: { acknowledged: number; notInFirestore: number };
  ops: Measurement["ops"];
}

const fileOf = (design: DesignName) => `tools/cost/last-simulation${design === "learnpulse" ? "" : `-${design}`}.json`;
const simulations = {} as Record<DesignName, Simulation>;
for (const design of DESIGN_NAMES) {
  const text = await readFile(new URL(`../../${fileOf(design)}`, import.meta.url), "utf8").catch(() => undefined);
  const simulation = text ? (JSON.parse(text) as Simulation) : undefined;
  if (!simulation?.ops?.callableBusyMs) {
    process.stderr.write(
      `No measurement of the ${design} design at ${fileOf(design)}: run \`npm run simulate -- --design ${design} --seed 1 --students 200 --minutes 10\` first (each design with the same seed and size).\n`,
    );
    process.exit(2);
  }
  simulations[design] = simulation;
}
const sizes = new Set(DESIGN_NAMES.map((d) => JSON.stringify([simulations[d].seed, simulations[d].options.students, simulations[d].options.minutes, simulations[d].options.intervalSec])));
if (sizes.size > 1) process.stderr.write(`warning: the three measurements were not made with one seed and size: ${[...sizes].join(" / ")}\n`);

const prices = JSON.parse(await readFile(new URL("./prices.json", import.meta.url), "utf8")) as Prices & { collected: string };
const measurements = Object.fromEntries(DESIGN_NAMES.map((d) => [d, { design: d, pings: simulations[d].pings.acknowledged, ops: simulations[d].ops }])) as Record<DesignName, Measurement>;
const report = costReport(measurements, prices, { students: positiveNumber("students", values.students), intervalSec: positiveNumber("interval", values.interval), hours: positiveNumber("hours", values.hours) });
const inputs = Object.fromEntries(
  DESIGN_NAMES.map((d) => {
    const s = simulations[d];
    return [d, { file: fileOf(d), measuredAt: s.at, seed: s.seed, students: s.options.students, minutes: s.options.minutes, pings: s.pings.acknowledged, lostToFirestore: s.pings.notInFirestore }];
  }),
);
process.stdout.write(values.json ? `${JSON.stringify({ ...report, inputs, pricesCollected: prices.collected }, null, 2)}\n` : `${table(report)}\n`);

function table(r: CostReport): string {
  const columns: Record<string, CostReport["otherWorkload"]> = { ...r.designs, "of which other workload": r.otherWorkload };
  const names = Object.keys(columns);
  const width = (name: string) => Math.max(14, name.length + 2);
  const row = (label: string, cell: (name: string) => string) => `${label.padEnd(26)}${names.map((n) => cell(n).padStart(width(n))).join("")}`;
  const items: (keyof LineItems)[] = ["invocations", "compute", "cloudTasks", "upstash", "firestore", "bigquery", "cosmos"];
  const ops = (key: keyof CostReport["otherWorkload"]["opsPerPing"]) => row(`${key}/ping`, (n) => String(columns[n]?.opsPerPing[key]));
  return [
    `USD per 1M pings, each design priced from its own simulation (prices ${prices.collected})`,
    row("", (n) => n),
    ...items.map((item) => row(item, (n) => (columns[n]?.lineItems[item] ?? 0).toFixed(4))),
    row("total", (n) => (columns[n]?.usdPerMillionPings ?? 0).toFixed(4)),
    "",
    "Measured inputs per ping:",
    ops("invocations"),
    ops("instanceSeconds"),
    ops("cloudTasksOperations"),
    ops("upstashCommands"),
    ops("firestoreWrites"),
    ops("firestoreReads"),
    ops("bigqueryRows"),
    ops("cosmosRequestUnits"),
    "",
    ...DESIGN_NAMES.map((d) => `${d}: ${inputs[d]?.file}, ${inputs[d]?.measuredAt}, seed ${inputs[d]?.seed}, ${inputs[d]?.students} students × ${inputs[d]?.minutes} simulated min, ${inputs[d]?.pings} pings, ${inputs[d]?.lostToFirestore} acknowledged positions not in Firestore`),
    "",
    `LearnPulse ÷ direct = ${r.ratios.learnpulseToDirect}; LearnPulse ÷ baseline = ${r.ratios.learnpulseToBaseline} (every line item; each total includes the other workload)`,
    `without the compute line (handlers' wall time here, where the stand-ins share the host's CPU): ÷ direct ${r.ratiosWithoutCompute.learnpulseToDirect}, ÷ baseline ${r.ratiosWithoutCompute.learnpulseToBaseline}`,
    `Scenario: ${r.scenario.students} students, a ping every ${r.scenario.intervalSec} s, ${r.scenario.hours} h = ${r.scenario.pings} pings: ` +
      DESIGN_NAMES.map((d) => `${d} $${r.scenario.usd[d]}`).join(", ") +
      " (pay-as-you-go, no free tier)",
    `LearnPulse Upstash rate ${r.designs.learnpulse.upstashCommandsPerSecond} commands/s; on a fixed plan instead: ${r.scenario.upstashFixedPlans.map((p) => `${p.name} $${p.usd}${p.learnpulseFits ? "" : " (over the 10,000 cmds/s cap)"}`).join(", ")}`,
  ].join("\n");
}
