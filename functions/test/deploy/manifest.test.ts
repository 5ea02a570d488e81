/**
 * The deploy manifest as `firebase deploy` gets it: produced by firebase-functions' own discovery from the built
 * functions (FUNCTIONS_MANIFEST_OUTPUT_PATH), then checked (manifest-checks.ts). Each rule is shown to fail on a
 * deliberate break of a copy of that manifest.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { MONGO_CONNECTIONS_PER_INSTANCE, MONGODB_MAX_CONNECTIONS } from "../../src/adapters/mongo.js";
import { REGION } from "../../src/config.js";
import { manifestProblems, type Manifest, type ManifestPolicy } from "./manifest-checks.ts";
import { FUNCTIONS_DIR, secretsReachedByFunction } from "./reach.ts";

let manifest: Manifest;
let policy: ManifestPolicy;

/** firebase-functions' discovery of the built functions (npm test builds them first), as firebase-tools runs it. */
function discoverManifest(): Manifest {
  const dir = mkdtempSync(join(tmpdir(), "learnpulse-manifest-"));
  const output = join(dir, "functions.yaml.json");
  try {
    const run = spawnSync(process.execPath, [join(FUNCTIONS_DIR, "node_modules", "firebase-functions", "lib", "bin", "firebase-functions.js"), "."], {
      cwd: FUNCTIONS_DIR,
      // Deploy analysis sees no emulator and none of the local stack's settings.
      env: { PATH: process.env["PATH"], HOME: process.env["HOME"], FUNCTIONS_MANIFEST_OUTPUT_PATH: output, GCLOUD_PROJECT: "learnpulse-prod" },
      encoding: "utf8",
      timeout: 60_000,
    });
    if (run.status !== 0) throw new Error(`discovery failed (${run.status}): ${run.stderr}`);
    return JSON.parse(readFileSync(output, "utf8")) as Manifest;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A copy of the manifest with one deliberate change. */
function broken(change: (copy: Manifest) => void): Manifest {
  const copy = structuredClone(manifest);
  change(copy);
  return copy;
}

beforeAll(() => {
  manifest = discoverManifest();
  policy = {
    region: REGION,
    reachedSecrets: secretsReachedByFunction(FUNCTIONS_DIR),
    mongoSecret: "MONGODB_URI",
    mongoConnectionsPerInstance: MONGO_CONNECTIONS_PER_INSTANCE,
    mongoMaxConnections: MONGODB_MAX_CONNECTIONS,
  };
}, 120_000);

describe("the deploy manifest firebase-functions discovers", () => {
  it("when the functions are discovered as for a deploy, then every rule holds", () => {
    expect(Object.keys(manifest.endpoints).length).toBeGreaterThan(0);
    expect(manifestProblems(manifest, policy)).toEqual([]);
  });

  it("when a param is declared, then functions/.env.example lists it (with no value when it has no default)", () => {
    const example = readFileSync(join(FUNCTIONS_DIR, ".env.example"), "utf8");
    for (const param of manifest.params ?? []) {
      if (param.type === "secret") expect(example).toMatch(new RegExp(`^# ${param.name} `, "m"));
      else if (param.default === undefined) expect(example).toMatch(new RegExp(`^${param.name}=$`, "m"));
      else expect(example).toMatch(new RegExp(`^${param.name}=${String(param.default)}$`, "m"));
    }
  });

  it("when the source is read, then the secret reach matches what the code does (Redis for pings, each sink's for its delivery, none for activity or the mirror triggers)", () => {
    expect(policy.reachedSecrets.get("saveProgress")).toEqual(new Set(["UPSTASH_REDIS_REST_TOKEN*"]));
    expect(policy.reachedSecrets.get("mirrorProgress")).toEqual(new Set());
    expect(policy.reachedSecrets.get("deliverMongo")).toEqual(new Set(["MONGODB_URI"]));
    expect(policy.reachedSecrets.get("deliverCosmos")).toEqual(new Set(["COSMOS_KEY"]));
    expect(policy.reachedSecrets.get("deliverBigQuery")).toEqual(new Set());
    expect(policy.reachedSecrets.get("recordActivity")).toEqual(new Set());
  });

  const breaks: [string, (copy: Manifest) => void, RegExp][] = [
    ["a param that names an address gets a loopback default", (copy) => {
      copy.params = [...(copy.params ?? []), { name: "UPSTASH_REDIS_REST_URL", type: "string", default: "http://127.0.0.1:8079" }];
    }, /UPSTASH_REDIS_REST_URL: loopback default/],
    ["a param that names an address gets any default", (copy) => {
      copy.params = [...(copy.params ?? []), { name: "COSMOS_ENDPOINT", type: "string", default: "https://legacy.documents.azure.com:443/" }];
    }, /COSMOS_ENDPOINT: names an address and has a default/],
    ["a function loses a secret its code reaches", (copy) => {
      copy.endpoints["saveProgress"]!.secretEnvironmentVariables = [];
    }, /saveProgress: its code reaches secret UPSTASH_REDIS_REST_TOKEN\*, which is not bound/],
    ["a function binds a secret its code never reaches", (copy) => {
      copy.endpoints["getHeatmap"]!.secretEnvironmentVariables = [{ key: "COSMOS_KEY" }];
    }, /getHeatmap: secret COSMOS_KEY is bound but its code never reaches it/],
    ["the MongoDB delivery goes to 100 instances", (copy) => {
      copy.endpoints["deliverMongo"]!.maxInstances = 100;
    }, /MongoDB: \d+ connections at every instance cap, over MONGODB_MAX_CONNECTIONS/],
    ["a function leaves maxInstances to the platform", (copy) => {
      copy.endpoints["submitAnswer"]!.maxInstances = null;
    }, /submitAnswer: maxInstances left to the platform's default/],
    ["a schedule names no time zone", (copy) => {
      copy.endpoints["flushProgress"]!.scheduleTrigger!.timeZone = null;
    }, /flushProgress: schedule names no time zone/],
    ["a function is deployed to another region", (copy) => {
      copy.endpoints["getProgress"]!.region = ["europe-west1"];
    }, /getProgress: region europe-west1/],
  ];

  it.each(breaks)("when %s, then the check names it", (_what, change, problem) => {
    const problems = manifestProblems(broken(change), policy);
    expect(problems).toEqual([expect.stringMatching(problem)]);
  });
});
