/**
 * `npm run simulate -- --students N --minutes M [--interval 5] [--speed 5] [--shards 1] [--quiz-share 0.5]
 *   [--design learnpulse|direct|baseline] [--seed S] [--json]`:
 * N simulated video players in the demo course (a share of them take the demo quiz's first phase first) over real
 * HTTP through the callable protocol (tools/simulate/core.ts), against a local stack started here on free ports, or
 * the running one named by LEARNPULSE_FUNCTIONS_URL (with the rest of the env `npm start` prints).
 *
 * Time is compressed: `--speed` simulated seconds pass per wall second. Pings carry simulated positions; the
 * server stamps them with its own clock, so the flush window is scaled instead: the stack started here runs with
 * FLUSH_SCHEDULE "every 1 minutes" (the shortest the product accepts) and the simulator runs the scheduled flush
 * at every window end, so at the default speed 5 each wall minute is one honest 5-minute window. `--shards` starts
 * that many Upstash shards (one Redis and bridge each); against a running stack it has no effect.
 *
 * `--design` swaps the ping and flush for a measured alternative (tools/simulate/designs.ts: every ping straight to
 * Firestore, or the seed's write-behind), on the simulator's own stack only; `--seed` makes the players' choices
 * repeatable, so that the three designs play the same players.
 *
 * Live progress on stderr; the report on stdout (a table, or one JSON object with --json), and the measurement in
 * tools/cost/last-simulation[-design].json for `npm run cost`.
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { simulate, type SimulationReport } from "./core.ts";
import { designCallables, DESIGNS, type Design } from "./designs.ts";
import { startStack, type Stack } from "@learnpulse/local-stack";
import { applyParamDefaults, closeFunctionClients } from "@learnpulse/local-stack/functions-module.ts";
import { positiveNumber } from "../shared/args.ts";

/** The product's shortest flush window ("every 1 minutes"): with speed 5, 5 simulated minutes. */
const STACK_WINDOW_MS = 60_000;
/** Where `npm run cost` reads each design's measurement. */
const measurementFile = (design: Design) => new URL(`../cost/last-simulation${design === "learnpulse" ? "" : `-${design}`}.json`, import.meta.url);

const { values } = parseArgs({
  options: {
    students: { type: "string", default: "200" },
    minutes: { type: "string", default: "2" },
    interval: { type: "string", default: "5" },
    speed: { type: "string", default: "5" },
    shards: { type: "string", default: "1" },
    "quiz-share": { type: "string", default: "0.5" },
    design: { type: "string", default: "learnpulse" },
    seed: { type: "string" },
    json: { type: "boolean", default: false },
  },
});
const students = Math.round(positiveNumber("students", values.students));
const minutes = positiveNumber("minutes", values.minutes);
const intervalSec = positiveNumber("interval", values.interval);
const speed = positiveNumber("speed", values.speed);
const shards = Math.round(positiveNumber("shards", values.shards));
const quizShare = Number(values["quiz-share"]);
if (!(quizShare >= 0 && quizShare <= 1)) throw new Error(`--quiz-share must be a number from 0 to 1 (got ${values["quiz-share"]})`);
const design = DESIGNS.find((name) => name === values.design);
if (!design) throw new Error(`--design must be one of ${DESIGNS.join(", ")} (got ${values.design})`);
// One seed, the same players: the designs' runs then differ only in what the designs do with the pings.
const seed = values.seed === undefined ? undefined : Math.round(positiveNumber("seed", values.seed));
if (design !== "learnpulse" && process.env["LEARNPULSE_FUNCTIONS_URL"]) {
  throw new Error(`--design ${design} needs the simulator's own stack (its ping and flush are served only there): unset LEARNPULSE_FUNCTIONS_URL`);
}

// stdout carries only the report: firebase-functions logs every request through console.
const print = (text: string) => process.stdout.write(`${text}\n`);
console.log = console.info = console.debug = console.warn = (...args: unknown[]) => console.error(...args);
const progress = (line: string, final: boolean) => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K[simulate] ${line}${final ? "\n" : ""}`);
  else if (final || Math.round(performance.now() / 1000) % 5 === 0) process.stderr.write(`[simulate] ${line}\n`);
};

let stack: Stack | undefined;
if (!process.env["LEARNPULSE_FUNCTIONS_URL"]) {
  process.env["FLUSH_SCHEDULE"] = "every 1 minutes";
  // Compressed time: each player calls `speed` times as often as a real one, so the per-user rate limits scale too.
  process.env["RATE_LIMIT_MULTIPLIER"] ??= String(Math.max(1, Math.ceil(speed)));
  // Read when the functions load: it decides which shards' URLs and tokens they bind.
  process.env["UPSTASH_SHARDS"] = String(shards);
  stack = await startStack({ scheduleTimers: false, shards, extraCallables: () => designCallables(STACK_WINDOW_MS), log: (line) => process.stderr.write(`[stack] ${line}\n`) });
  Object.assign(process.env, stack.env);
} else {
  // The final reconcile runs the product's code here: a running stack's functions got their params' defaults from
  // the stack, as deployed ones do from `firebase deploy`; this process sets them itself (config.js declares them).
  await import("../../functions/lib/config.js");
  await applyParamDefaults();
}
try {
  const report = await simulate({
    students,
    minutes,
    intervalSec,
    speed,
    quizShare,
    design,
    ...(seed === undefined ? {} : { seed }),
    functionsUrl: process.env["LEARNPULSE_FUNCTIONS_URL"] as string,
    stackUrl: process.env["LEARNPULSE_STACK_URL"] ?? new URL("/__stack", process.env["LEARNPULSE_FUNCTIONS_URL"]).href,
    ...(stack ? { flushWindowMs: STACK_WINDOW_MS } : {}),
    progress,
  });
  const measured = { ...report, stack: stack ? `in-process (${stack.redis.kind}, ${stack.redisShards.length} shard${stack.redisShards.length > 1 ? "s" : ""})` : process.env["LEARNPULSE_FUNCTIONS_URL"] };
  await writeFile(measurementFile(design), `${JSON.stringify({ ...measured, seed: seed ?? null }, null, 2)}\n`);
  print(values.json ? JSON.stringify(measured, null, 2) : table(report));
  process.exitCode = report.clean ? 0 : 1;
} finally {
  if (stack) await stack.stop();
  else await closeFunctionClients();
}

function table(r: SimulationReport): string {
  const rows: [string, string][] = [
    ["design", r.simulation],
    ["run", `${r.options.students} students × ${r.options.minutes} simulated min, ping every ${r.options.intervalSec} s, speed ${r.options.speed}× (${r.wallSeconds} s wall), flush window ${r.options.simulatedWindowSec ?? "stack's"} simulated s, ${Math.round(r.options.quizShare * 100)}% take the quiz`],
    ["pings sent / acknowledged / lost", `${r.pings.sent} / ${r.pings.acknowledged} / ${r.pings.lost}`],
    ["acknowledged positions missing in Firestore", String(r.pings.notInFirestore)],
    ["ping latency p50 / p95 / p99 / max", `${r.latencyMs.p50} / ${r.latencyMs.p95} / ${r.latencyMs.p99} / ${r.latencyMs.max} ms`],
    ["other calls (sent/ok)", Object.entries(r.calls).filter(([n]) => n !== "saveProgress").map(([n, c]) => `${n} ${c.sent}/${c.ok}`).join(", ")],
    ["flushes (of which failed)", `${r.flushes} (${r.failedFlushes})`],
    ["Firestore writes (per ping)", `${r.ops.firestoreWrites} (${r.perPing.firestoreWrites}), of which flushes ${r.ops.flushWrites} (${r.perPing.flushWrites})`],
    ["Upstash commands (per ping)", `${r.ops.upstashCommands} (${r.perPing.upstashCommands}): ${Object.entries(r.ops.upstashByCommand).map(([c, n]) => `${c} ${n}`).join(", ")}`],
    ["trigger invocations (per ping)", `${r.ops.triggerInvocations} (${r.perPing.triggerInvocations})`],
    ["sink writes: BigQuery rows / Mongo / Cosmos", `${r.ops.bigqueryRows} / ${r.ops.mongoWrites} / ${r.ops.cosmosWrites}`],
    ["dead letters", String(r.deadLetters)],
    ...r.reconcile.map((l): [string, string] => [`reconcile ${l.collection} × ${l.sink}`, `checked ${l.checked}, missing ${l.missing}, stale ${l.stale}, extra ${l.extra}`]),
    ["verdict", r.clean ? "clean: nothing lost, every sink level with Firestore" : "NOT clean"],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}
