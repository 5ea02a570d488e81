/**
 * `npm run fuzz`: starts its own local stack (free ports, no schedule timers), seeds the demo catalogue, and fuzzes
 * every callable that functions/lib exports (tools/fuzz/runner.ts) — FUZZ_RUNS payloads each (default 10,000).
 * Prints progress, the count per callable, the totals of INTERNAL answers, unclean answers and writes from refused
 * payloads, and exits 1 if any of them is not zero.
 *
 * Env: FUZZ_RUNS, FUZZ_SEED (replay a run), FUZZ_CONCURRENCY (default 16), FUZZ_BATCH (payloads per callable per
 * round, default 50).
 */
import { runFuzz, type FuzzReport } from "./runner.ts";
import { FUZZ_PARAMS, prepareFuzzing, stackProbe } from "./stack.ts";
import { startStack } from "@learnpulse/local-stack";

const print = console.log.bind(console);
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

// firebase-functions' logger keeps the console it finds when it loads: quieten it before the functions load, keeping
// the error lines (an INTERNAL's cause) to show at the end.
const errorLines = new Map<string, number>();
const keepError = (...args: unknown[]) => {
  const line = args.map(String).join(" ").slice(0, 400);
  errorLines.set(line, (errorLines.get(line) ?? 0) + 1);
};
Object.assign(console, { log: () => undefined, info: () => undefined, debug: () => undefined, warn: () => undefined, error: keepError });

const runs = env("FUZZ_RUNS", 10_000);
const seed = env("FUZZ_SEED", Date.now() % 1_000_000_000);
Object.assign(process.env, FUZZ_PARAMS);
const stack = await startStack({ scheduleTimers: false, log: () => undefined });
let exitCode: number;
try {
  const targets = await prepareFuzzing(stack);
  print(`fuzz: ${targets.length} callables (${targets.filter((t) => t.admin).map((t) => t.name).join(", ")} admin), ${runs} payloads each, seed ${seed}`);
  let lastPrint = 0;
  const report = await runFuzz({
    targets,
    runsPerCallable: runs,
    seed,
    concurrency: env("FUZZ_CONCURRENCY", 16),
    batch: env("FUZZ_BATCH", 50),
    probe: stackProbe(stack),
    onRound: (p) => {
      if (Date.now() - lastPrint < 5_000 && p.round < p.rounds) return;
      lastPrint = Date.now();
      const rate = Math.round((p.sentPerCallable * targets.length) / (p.elapsedMs / 1000));
      print(
        `fuzz: ${p.sentPerCallable}/${runs} per callable (round ${p.round}/${p.rounds}), ${Math.round(p.elapsedMs / 1000)} s, ${rate} calls/s; ` +
          `INTERNAL ${p.internal}, unclean ${p.unclean}, writes from refused payloads ${p.invalidWrites}`,
      );
    },
  });
  printReport(report);
  const failed = report.internal + report.unclean + report.invalidWrites.firestore + report.invalidWrites.redis + report.unattributedWrites;
  const short = report.callables.filter((c) => c.payloads < runs);
  exitCode = failed === 0 && short.length === 0 ? 0 : 1;
} finally {
  await stack.stop();
}
process.exit(exitCode);

function printReport(report: FuzzReport): void {
  const statuses = [...new Set(report.callables.flatMap((c) => Object.keys(c.verdicts)))].sort();
  const rows = report.callables.map((c) => [
    `${c.name}${c.admin ? " (admin)" : ""}${c.contract ? "" : " (generic payloads)"}${c.schema ? "" : " (no schema: every mutation counted invalid)"}`,
    String(c.payloads),
    ...statuses.map((s) => String(c.verdicts[s] ?? 0)),
    String(c.replayed),
  ]);
  const header = ["callable", "payloads", ...statuses, "refused replayed"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join("  ");
  print(`\n${line(header)}\n${rows.map(line).join("\n")}`);
  const total = report.callables.reduce((sum, c) => sum + c.payloads, 0);
  print(`
payloads            ${total} (${report.runsPerCallable} per callable × ${report.callables.length})
duration            ${(report.durationMs / 1000).toFixed(1)} s
seed                ${report.seed} (FUZZ_SEED=${report.seed} replays it)
INTERNAL answers    ${report.internal}
unclean answers     ${report.unclean} (another status, NOT_FOUND or FAILED_PRECONDITION to a payload of invalid shape, or outside the callable protocol)
writes from refused ${report.invalidWrites.firestore} Firestore writes, ${report.invalidWrites.redis} Upstash commands${report.firestoreCounted ? "" : " (Firestore not counted: external emulator)"}
unattributed writes ${report.unattributedWrites} (during replays, made by no refused payload sent alone)`);
  for (const finding of report.findings.slice(0, 20)) {
    print(`\n${finding.kind} ${finding.callable} → ${finding.verdict}: ${finding.message}\n  caller ${JSON.stringify(finding.caller)}, ${finding.bodyBytes} bytes: ${finding.body}`);
  }
  if (report.internal + report.unclean > 0) {
    print("\nerror log lines (count × line):");
    for (const [text, count] of [...errorLines].sort((a, b) => b[1] - a[1]).slice(0, 10)) print(`  ${count} × ${text}`);
  }
}
