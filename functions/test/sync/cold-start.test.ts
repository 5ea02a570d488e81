/**
 * Cold start: every function instance loads functions/lib/index.js, so that load must not pull in the heavy sink
 * SDKs (DESIGN.md principle 2). A child process records every module it resolves (module.registerHooks).
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const LIB = resolve(import.meta.dirname, "../../lib");
const HEAVY = /node_modules\/(@google-cloud\/bigquery|mongodb|@azure\/cosmos)\//;

/** Runs `body` in a fresh Node process and answers the modules it resolved. */
function modulesLoadedBy(body: string): string[] {
  const script = `
    import { registerHooks } from "node:module";
    const seen = [];
    registerHooks({ resolve(specifier, context, next) { const result = next(specifier, context); seen.push(result.url); return result; } });
    ${body}
    process.stdout.write(JSON.stringify(seen));
  `;
  const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "t" },
    encoding: "utf8",
  });
  return JSON.parse(output) as string[];
}

describe("cold start", () => {
  it("when the functions load (as every instance, the ping's included, does), then no sink SDK is loaded", () => {
    const loaded = modulesLoadedBy(`await import(${JSON.stringify(`${LIB}/index.js`)});`);
    expect(loaded.some((url) => url.includes("/lib/index.js"))).toBe(true);
    expect(loaded.filter((url) => HEAVY.test(url))).toEqual([]);
  });

  it("when a sink is used, then its SDK is loaded then (the detector sees it)", () => {
    const loaded = modulesLoadedBy(`const { bigquery } = await import(${JSON.stringify(`${LIB}/adapters/bigquery.js`)}); await bigquery();`);
    expect(loaded.some((url) => /@google-cloud\/bigquery/.test(url))).toBe(true);
  });
});
