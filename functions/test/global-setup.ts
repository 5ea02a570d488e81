/**
 * Starts the local stack once per test run, on free ports, and hands its env to every test worker.
 * Each vitest project runs this setup, all in one process; the functions it loads (and their lazily created
 * clients) exist once per process, so the projects must share one stack: it is kept on globalThis, counted.
 * Before the functions load, their structured log is diverted to test-artifacts/logs/ (helpers/log-capture.ts);
 * once every project is done and the stack has stopped, that log is audited for personal data, and the run fails
 * ("error during close") if any is found. A teardown, not a test: it is the one place sure to run after every test
 * (with one worker, vitest runs the default-order projects after the ordered ones, chaos included).
 */
import { appendFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { startStack, type Stack, type StackEnv } from "@learnpulse/local-stack";
import { PII_CANARIES } from "./helpers/canaries.ts";
import { auditLog, capturedLogLines, divertStructuredLogs } from "./helpers/log-capture.ts";

declare module "vitest" {
  export interface ProvidedContext {
    stackEnv: StackEnv;
    /** Where every structured log line of the functions goes during this run. */
    functionsLogFile: string;
  }
}

/** Where a run's logs stay for a look: the functions' structured log and the stack's own lines (gitignored). */
const RUN_LOG_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "test-artifacts", "logs");

const shared = globalThis as typeof globalThis & {
  learnpulseStack?: { stack: Promise<Stack>; users: number; logDir: string };
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!shared.learnpulseStack) {
    const logDir = RUN_LOG_DIR;
    rmSync(logDir, { recursive: true, force: true });
    mkdirSync(logDir, { recursive: true });
    divertStructuredLogs(join(logDir, "functions.jsonl"));
    const stackLog = (line: string) => appendFileSync(join(logDir, "stack.log"), `${new Date().toISOString()} ${line}\n`);
    // Retries in milliseconds: a delivery queue's ten attempts (1 minute doubling to 6 hours) take about 3 s here.
    // A machine running every test file at once stalls for seconds, which Upstash never does: the shared stack's
    // functions wait longer for Redis than production's 500 ms (the tests of that timeout run stacks of their own).
    process.env["UPSTASH_TIMEOUT_MS"] ??= "5000";
    shared.learnpulseStack = { stack: startStack({ scheduleTimers: false, taskBackoffScale: 0.0001, log: stackLog }), users: 0, logDir };
  }
  const entry = shared.learnpulseStack;
  entry.users++;
  const stack = await entry.stack;
  project.provide("stackEnv", stack.env);
  project.provide("functionsLogFile", join(entry.logDir, "functions.jsonl"));
  return async () => {
    if (--entry.users > 0) return;
    shared.learnpulseStack = undefined;
    await stack.stop();
    auditFunctionsLog(entry.logDir);
  };
}

/** Throws when the run's log holds personal data. */
function auditFunctionsLog(logDir: string): void {
  const file = join(logDir, "functions.jsonl");
  const lines = capturedLogLines(file);
  const findings = auditLog(lines, Object.values(PII_CANARIES));
  if (findings.length === 0) {
    console.error(`[log audit] ${lines.length} structured log lines of the functions in ${file}: no raw IP, email or planted canary`);
    return;
  }
  const shown = findings.slice(0, 10).map((finding) => `  line ${finding.line}: ${finding.found}\n    ${finding.excerpt}`);
  throw new Error(`The functions logged personal data: ${findings.length} findings in ${file}\n${shown.join("\n")}`);
}
