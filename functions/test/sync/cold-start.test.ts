/**
 * Cold start: every function instance loads functions/lib/index.js, so that load must not pull in the heavy sink
 * SDKs (DESIGN.md principle 2), nor must a ping. A child process records every module it resolves
 * (module.registerHooks), with the test stack's env, so the ping it makes is buffered in the stack's Upstash.
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const LIB = resolve(import.meta.dirname, "../../lib");
const HEAVY = /node_modules\/(@google-cloud\/bigquery|mongodb|@azure\/cosmos)\//;

/** Runs `body` in a fresh Node process and answers the modules it resolved and what `body` left in `result`. */
function modulesLoadedBy(body: string): { loaded: string[]; result: unknown } {
  const script = `
    import { registerHooks } from "node:module";
    const seen = [];
    let result;
    registerHooks({ resolve(specifier, context, next) { const resolved = next(specifier, context); seen.push(resolved.url); return resolved; } });
    ${body}
    process.stdout.write(JSON.stringify({ loaded: seen, result }));
  `;
  const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], { env: process.env, encoding: "utf8" });
  // firebase-functions logs through console: the result is the last line.
  return JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as { loaded: string[]; result: unknown };
}

describe("cold start", () => {
  it("when the functions load (as every instance does) and a ping is saved, then no sink SDK is loaded", () => {
    const ping = { courseId: "cold-course", lectureId: "cold-lecture", position: 12 };
    const request = { data: ping, auth: { uid: "cold-start-student", token: {} }, rawRequest: { headers: {} } };
    const { loaded, result } = modulesLoadedBy(`
      await import(${JSON.stringify(`${LIB}/index.js`)});
      const { handleSaveProgress } = await import(${JSON.stringify(`${LIB}/progress/functions.js`)});
      result = await handleSaveProgress(${JSON.stringify(request)});
    `);

    expect(result).toEqual({ message: "synced" });
    expect(loaded.some((url) => url.includes("/lib/index.js"))).toBe(true);
    expect(loaded.filter((url) => HEAVY.test(url))).toEqual([]);
  });

  it("when a sink is used, then its SDK is loaded then (the detector sees it)", () => {
    const { loaded } = modulesLoadedBy(`const { bigquery } = await import(${JSON.stringify(`${LIB}/adapters/bigquery.js`)}); await bigquery();`);
    expect(loaded.some((url) => /@google-cloud\/bigquery/.test(url))).toBe(true);
  });
});
