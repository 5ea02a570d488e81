/**
 * Secrets reach the functions only through defineSecret, and each function is bound only to the secrets it uses:
 * checked on the loaded functions' deploy manifests (`__endpoint.secretEnvironmentVariables`, what `firebase deploy`
 * binds), against the source's import graph; and no secret-looking literal sits in functions/src.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { declaredParams } from "firebase-functions/params";
import { describe, expect, it } from "vitest";
import * as exported from "../../src/index.js";

const SRC = resolve(import.meta.dirname, "../../src");

interface Endpoint {
  secretEnvironmentVariables?: { key: string }[];
}
const endpoints = Object.entries(exported).map(([name, fn]) => [name, (fn as { __endpoint?: Endpoint }).__endpoint] as const);
const boundSecrets = (endpoint: Endpoint | undefined) => (endpoint?.secretEnvironmentVariables ?? []).map((secret) => secret.key).sort();
// Each param class names its kind in a static `type` ("secret" for defineSecret), as the deploy manifest does.
const specs = declaredParams.map((param) => ({ name: param.name, type: (param.constructor as { type?: string }).type }));
const secretNames = specs.filter((spec) => spec.type === "secret").map((spec) => spec.name);

/**
 * Which functions use each secret's store, as a person reads the handlers: the tests below hold it to the deploy
 * manifests (exactly) and to the import graph (each use must be reachable from the function's registration).
 */
const REDIS_USERS = ["saveProgress", "getProgress", "flushNow", "flushPartition", "countLectures", "countQuizzes", "getSyncStatus"];
const OPERATORS = ["replayDeadLetters", "reconcile", "reconcileDaily"];
/** An erasure reaches every store (rights/). */
const ERASERS = ["deleteUserData", "deleteMyData", "eraseUser", "eraseOnUserDeleted"];
const USES: Record<string, string[]> = {
  UPSTASH_REDIS_REST_TOKEN: [...REDIS_USERS, ...ERASERS],
  MONGODB_URI: ["deliverMongo", ...OPERATORS, ...ERASERS],
  COSMOS_KEY: ["deliverCosmos", ...OPERATORS, ...ERASERS],
};

describe("secrets", () => {
  it("when params are declared, then every one named like a credential is a defineSecret, the three stores' among them", () => {
    const credentialLike = specs.filter((spec) => /TOKEN|KEY|SECRET|PASSWORD|CREDENTIAL|_URI$/.test(spec.name));
    expect(credentialLike.filter((spec) => spec.type !== "secret")).toEqual([]);
    expect(secretNames).toEqual(expect.arrayContaining(["UPSTASH_REDIS_REST_TOKEN", "MONGODB_URI", "COSMOS_KEY"]));
  });

  it("when a function binds secrets, then each is a declared secret param (no raw names)", () => {
    const bound = endpoints.flatMap(([, endpoint]) => boundSecrets(endpoint));
    expect(bound.length).toBeGreaterThan(0);
    expect(bound.filter((name) => !secretNames.includes(name))).toEqual([]);
  });

  it("when the functions are deployed, then each is bound to exactly the secrets of the stores it uses", () => {
    const expected = endpoints.map(([name]) => [name, Object.keys(USES).filter((secret) => USES[secret]?.includes(name)).sort()]);
    expect(endpoints.map(([name, endpoint]) => [name, boundSecrets(endpoint)])).toEqual(expected);
  });

  it("when a function binds a secret, then code that reads it is reachable from the function's registration", () => {
    const registrations = registrationModules();
    const readers = Object.fromEntries(
      secretNames.map((secret) => [secret, sourceFiles().filter((file) => readsOf(secret).some((expression) => read(file).includes(expression)))]),
    );
    const unreachable = endpoints.flatMap(([name, endpoint]) => {
      const closure = importClosure(registrations[name] as string);
      return boundSecrets(endpoint)
        .filter((secret) => !readers[secret]?.some((file) => closure.has(file)))
        .map((secret) => `${name} binds ${secret}`);
    });
    expect(Object.keys(registrations).sort()).toEqual(endpoints.map(([name]) => name).sort());
    expect(unreachable).toEqual([]);
    // The other way round, for the functions that must not: no path from them to the Upstash token or the sink keys.
    expect(canReach(registrations, "getHeatmap", readers)).toEqual([]);
    expect(canReach(registrations, "submitAnswer", readers)).toEqual([]);
  });

  it("when BigQuery is used, then with the function's own service account (ambient credentials): no secret, no key file", () => {
    expect(secretNames.filter((name) => name.includes("BIGQUERY") || name.includes("GOOGLE"))).toEqual([]);
    expect(read(join(SRC, "adapters/bigquery.ts"))).not.toMatch(/keyFilename|credentials\s*:|private_key|GOOGLE_APPLICATION_CREDENTIALS/);
  });
});

/** Literal shapes of credentials: PEM keys, URLs with a password, cloud keys, JWTs, and literal values of key-named fields. */
const SECRET_SHAPES: [string, RegExp][] = [
  ["private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["URL with a password", /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"'`]+:[^\s/@"'`]+@/i],
  ["Azure account key", /AccountKey=|[A-Za-z0-9+/]{86}==/],
  ["Google API key", /AIza[0-9A-Za-z_-]{35}/],
  ["AWS access key", /AKIA[0-9A-Z]{16}/],
  ["JWT", /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./],
  // A value written next to a credential's name (template literals that compute it are fine).
  ["literal credential", /\b(?:token|password|passwd|secret|api_?key|access_?key|access_token|account_?key)["']?\s*[:=]\s*["'`](?![^"'`]*\$\{)[^"'`\s]{4,}["'`]/i],
  // 32+ characters of base64(url) with digits, lower and upper case: how generated tokens look (paths have slashes).
  ["long random literal", /["'`](?=[A-Za-z0-9+_=-]*\d)(?=[A-Za-z0-9+_=-]*[a-z])(?=[A-Za-z0-9+_=-]*[A-Z])[A-Za-z0-9+_=-]{32,}["'`]/],
];

/** Literals that look like credentials and are not, each with the reason. */
const ALLOWED: { file: string; literal: string; why: string }[] = [
  { file: "adapters/bigquery.ts", literal: 'access_token: "local-emulator"', why: "fixed token for the local BigQuery stand-in, used only when BIGQUERY_EMULATOR_HOST is set" },
  { file: "answers/grading.test.ts", literal: '"s3cret-answer-7f2c"', why: "a distinctive answer-key value that the grading tests check never leaks" },
  { file: "sync/reconcile/reconcile.ts", literal: "KEY_ALPHABET = ", why: "the digits and letters in order: an alphabet, not a key" },
];

function secretLiterals(text: string, file: string): string[] {
  return text.split("\n").flatMap((line, index) =>
    SECRET_SHAPES.filter(([, shape]) => shape.test(line))
      .filter(() => !ALLOWED.some((allowed) => file.endsWith(allowed.file) && line.includes(allowed.literal)))
      .map(([kind]) => `${relative(SRC, file)}:${index + 1} ${kind}`),
  );
}

describe("secret-looking literals", () => {
  it("when functions/src is scanned, then no credential is written in the code", () => {
    expect(sourceFiles({ withTests: true }).flatMap((file) => secretLiterals(read(file), file))).toEqual([]);
  });

  it("when the scan meets each shape of credential, then it reports it", () => {
    const fakes = [
      `const key = "-----BEGIN ${"PRIVATE"} KEY-----";`,
      `const uri = "mongodb+srv://learnpulse:${"hunter2"}@cluster0.example.mongodb.net";`,
      `const cosmos = "AccountKey=${"C2y6yDjf5".repeat(9)}==";`,
      `const maps = "AIza${"Sy".repeat(17)}x";`,
      `const aws = "AKIA${"ABCDEFGH".repeat(2)}";`,
      `const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.sig";`,
      `new Redis({ url, token: "${"AXxx".repeat(3)}" });`,
      `const opaque = "${"Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z".repeat(2)}";`,
      `const ok = "nothing to see: ${"a".repeat(40)}";`,
    ];
    const kinds = fakes.map((line) => secretLiterals(line, join(SRC, "fake.ts")).map((found) => found.replace("fake.ts:1 ", "")));
    const expected = ["private key", "URL with a password", "Azure account key", "Google API key", "AWS access key", "JWT", "literal credential", "long random literal"];
    expect(expected.map((kind, i) => kinds[i]?.includes(kind))).toEqual(expected.map(() => true));
    expect(kinds.at(-1)).toEqual([]);
    expect(secretLiterals('const token = `${startedAt}-${Math.random().toString(36).slice(2)}`;\nconst path = "users/u1/activityDays/2026-11-22";', "x.ts")).toEqual([]);
  });
});

const read = (file: string) => readFileSync(file, "utf8");

/**
 * How code reads a secret: `NAME.value()`, or, for a secret declared in a family (one per shard:
 * `const FAMILY = Array.from(..., (_, n) => defineSecret(\`PREFIX${suffix}\`))` in config.ts), an element of the family.
 */
function readsOf(secret: string): string[] {
  const families = [...read(join(SRC, "config.ts")).matchAll(/export const (\w+) = Array\.from\([^;]*?defineSecret\(`(\w+)\$\{/g)];
  const family = families.find(([, , prefix = ""]) => new RegExp(`^${prefix}(_\\d+)?$`).test(secret));
  return family ? [`${family[1]}[`] : [`${secret}.value()`];
}

function sourceFiles(options: { withTests?: boolean } = {}): string[] {
  return readdirSync(SRC, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".ts") && (options.withTests || !path.endsWith(".test.ts")))
    .map((path) => join(SRC, path));
}

/** Exported function name → the source file that registers it, from index.ts's `export { a, b as c } from "..."`. */
function registrationModules(): Record<string, string> {
  const index = join(SRC, "index.ts");
  const modules: Record<string, string> = {};
  for (const [, names = "", from = ""] of read(index).matchAll(/export\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    for (const name of names.split(",").map((part) => part.trim()).filter(Boolean)) {
      modules[name.split(/\s+as\s+/).at(-1) as string] = resolveImport(index, from);
    }
  }
  return modules;
}

/** Every source file `file` imports, statically or with import(), transitively. */
function importClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const [, specifier = ""] of read(file).matchAll(/(?:from\s*|import\s*\(\s*)"(\.[^"]+)"/g)) importClosure(resolveImport(file, specifier), seen);
  return seen;
}

function resolveImport(from: string, specifier: string): string {
  return resolve(dirname(from), specifier).replace(/\.js$/, ".ts");
}

function canReach(registrations: Record<string, string>, name: string, readers: Record<string, string[]>): string[] {
  const closure = importClosure(registrations[name] as string);
  return Object.entries(readers).filter(([, files]) => files.some((file) => closure.has(file))).map(([secret]) => secret);
}
