/**
 * The functions' structured log, captured for the whole test run: firebase-functions/logger writes one JSON object
 * per line through the console methods it finds when it loads, so wrapping those methods first — in the process of
 * the shared stack (global-setup.ts) and in every test process (setup-env.ts) — sends every line the functions
 * emit to the run's log file instead of the terminal; global-setup.ts audits it once every test has run (auditLog).
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { findPersonalData } from "../../src/personal-data.js";

const CONSOLE_METHODS = ["debug", "info", "log", "warn", "error"] as const;
const TEED = Symbol.for("learnpulse.teedStructuredLogs");

/** A firebase-functions/logger line: one JSON object with a severity. */
export function isStructuredLogLine(text: string): boolean {
  if (!text.startsWith("{") || !text.includes('"severity"')) return false;
  try {
    const entry: unknown = JSON.parse(text);
    return typeof entry === "object" && entry !== null && typeof (entry as { severity?: unknown }).severity === "string";
  } catch {
    return false;
  }
}

/** Makes `target`'s console methods append every structured log line to `file`, and print only the rest. Once per console. */
export function divertStructuredLogs(file: string, target: Console = console): void {
  const marked = target as Console & { [TEED]?: true };
  if (marked[TEED]) return;
  marked[TEED] = true;
  for (const method of CONSOLE_METHODS) {
    const original = target[method].bind(target);
    target[method] = (...args: unknown[]) => {
      const [line] = args;
      if (args.length === 1 && typeof line === "string" && isStructuredLogLine(line)) appendFileSync(file, `${line}\n`);
      else original(...args);
    };
  }
}

/** Every line captured so far. */
export function capturedLogLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

export interface LogFinding {
  /** 1-based line number in the captured log. */
  line: number;
  found: string;
  excerpt: string;
}

/**
 * What a log holds that it must not: raw IP addresses (networks — IPv4 /24, IPv6 /48 — are fine) and emails, by
 * their shape (personal-data.ts), and the canaries the tests planted, by their text.
 */
export function auditLog(lines: string[], canaries: readonly string[]): LogFinding[] {
  return lines.flatMap((text, index) => {
    // JSON escapes (\u0040, \/) must not hide anything: read the line back into the strings it holds.
    const decoded = stringsIn(JSON.parse(text)).join("\n");
    const found = [
      ...findPersonalData(decoded).map((datum) => `${datum.kind} ${datum.value}`),
      ...canaries.filter((canary) => decoded.includes(canary)).map((canary) => `canary "${canary}"`),
    ];
    return [...new Set(found)].map((what) => ({ line: index + 1, found: what, excerpt: text.slice(0, 300) }));
  });
}

function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === "object") return Object.entries(value).flatMap(([key, item]) => [key, ...stringsIn(item)]);
  return [];
}
