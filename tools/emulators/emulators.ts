/**
 * LearnPulse under firebase-tools' own Functions and Auth emulators, offline. firebase-tools hosts the built functions
 * as it does for any Firebase developer; their Firestore, Upstash and sink clients are pointed at the local stack's
 * stand-ins through `functions/.env.local` and `functions/.secret.local`, which this script writes for the run and
 * then removes (restoring any the developer had).
 *
 * - `npm run test:emulators` (`test`): the callable contract suite over HTTP under `emulators:exec`; firebase-tools'
 *   output and the functions' logs go to test-artifacts/emulators/, the suite's own report is printed.
 * - `npm run emulators` (`start`): `emulators:start`, seeded with the demo catalogue, until Ctrl-C.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, createWriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import {
  DEMO_PROJECT_ID,
  seedDemoCatalogue,
  startBigQuery,
  startCosmos,
  startFirestore,
  startMongo,
  startRedis,
  unsignedCustomToken,
} from "@learnpulse/local-stack";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const functionsDir = join(root, "functions");
const artifacts = join(root, "test-artifacts", "emulators");
const firebaseLog = join(artifacts, "firebase.log");
const suiteLog = join(artifacts, "suite.log");
const RUN_FILES = [join(functionsDir, ".env.local"), join(functionsDir, ".secret.local")];

const mode = process.argv[2];
if (mode !== "test" && mode !== "start") {
  console.error("usage: node tools/emulators/emulators.ts test|start");
  process.exit(2);
}

function progress(line: string): void {
  console.log(`[${mode === "test" ? "test:emulators" : "emulators"}] ${line}`);
}

/** Moves a developer's own .env.local / .secret.local aside for the run; restore() puts them back. */
function setAside(files: string[]): { restore(): void } {
  const moved = files.filter((file) => existsSync(file)).map((file) => {
    renameSync(file, `${file}.before-test-emulators`);
    return file;
  });
  return {
    restore() {
      for (const file of files) rmSync(file, { force: true });
      for (const file of moved) renameSync(`${file}.before-test-emulators`, file);
    },
  };
}

function dotenv(values: Record<string, string>): string {
  return Object.entries(values).map(([name, value]) => `${name}=${value}\n`).join("");
}

mkdirSync(artifacts, { recursive: true });
progress("starting the stand-ins the functions reach (Firestore, Upstash bridge, BigQuery, MongoDB, Cosmos DB)");
const [firestore, redis, bigquery, mongo, cosmos] = await Promise.all([
  startFirestore({ projectId: DEMO_PROJECT_ID, indexes: join(root, "firestore.indexes.json"), rules: join(root, "firestore.rules") }),
  startRedis(),
  startBigQuery({ projectId: DEMO_PROJECT_ID }),
  startMongo(),
  startCosmos(),
]);
const firebase = join(root, "node_modules", ".bin", "firebase");
// What the suite needs beside what firebase-tools sets (the Auth emulator's host): seeding and the stand-ins' counters.
const standInEnv = {
  LEARNPULSE_FIRESTORE_HOST: firestore.host,
  LEARNPULSE_UPSTASH_URL: redis.restUrl,
  LEARNPULSE_UPSTASH_TOKEN: redis.token,
};
const stopStandIns = () => Promise.all([firestore.stop(), redis.stop(), bigquery.stop(), mongo.stop(), cosmos.stop()]);

const aside = setAside(RUN_FILES);
let exitCode: number;
try {
  const [envFile, secretFile] = RUN_FILES as [string, string];
  writeFileSync(
    envFile,
    dotenv({
      // Not reserved names: firebase-tools passes them through, and the Admin SDK and BigQuery client follow them.
      FIRESTORE_EMULATOR_HOST: firestore.host,
      BIGQUERY_EMULATOR_HOST: bigquery.apiEndpoint,
      UPSTASH_REDIS_REST_URL: redis.restUrl,
      COSMOS_ENDPOINT: cosmos.endpoint,
      // Local clients carry no App Check token.
      ENFORCE_APP_CHECK: "false",
      METADATA_SERVER_DETECTION: "none",
    }),
  );
  writeFileSync(secretFile, dotenv({ UPSTASH_REDIS_REST_TOKEN: redis.token, MONGODB_URI: mongo.uri, COSMOS_KEY: cosmos.key }));

  exitCode = mode === "test" ? await runSuite() : await serve();
} finally {
  aside.restore();
  await stopStandIns();
}
process.exit(exitCode);

/** The contract suite under `emulators:exec`; its report printed, firebase-tools' output in the log file. */
async function runSuite(): Promise<number> {
  progress(`starting firebase-tools' Functions and Auth emulators (its log: ${firebaseLog})`);
  const suite = `vitest run --config tools/emulators/vitest.config.ts > ${JSON.stringify(suiteLog)} 2>&1`;
  const log = createWriteStream(firebaseLog);
  const child = spawn(firebase, ["emulators:exec", "--only", "functions,auth", "--project", DEMO_PROJECT_ID, suite], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...standInEnv,
      // firebase-tools asks for nothing and checks for no update in a CI run.
      CI: "true",
      NO_UPDATE_NOTIFIER: "1",
    },
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const code = await new Promise<number>((resolve) => child.on("close", (status) => resolve(status ?? 1)));
  log.end();
  if (existsSync(suiteLog)) process.stdout.write(readFileSync(suiteLog, "utf8"));
  else progress(`the suite never ran: see ${firebaseLog}`);
  progress(code === 0 ? "passed" : `failed (exit ${code}); firebase-tools' log: ${firebaseLog}`);
  return code;
}

/** `emulators:start` in the foreground, the demo catalogue seeded; Ctrl-C stops firebase-tools, then this script. */
async function serve(): Promise<number> {
  const admin = initializeApp({ projectId: DEMO_PROJECT_ID }, "emulators-seed");
  process.env["FIRESTORE_EMULATOR_HOST"] = firestore.host;
  await seedDemoCatalogue(getFirestore(admin));
  progress(`Firestore stand-in ${firestore.host} (demo course seeded), Upstash bridge ${redis.restUrl}`);
  progress(`sign in with signInWithCustomToken against the Auth emulator, e.g. for uid "demo-student": ${unsignedCustomToken("demo-student")}`);
  const child = spawn(firebase, ["emulators:start", "--only", "functions,auth", "--project", DEMO_PROJECT_ID], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...standInEnv },
  });
  // Ctrl-C reaches firebase-tools too (same process group); this script waits for it to stop, then cleans up.
  process.on("SIGINT", () => undefined);
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  return new Promise<number>((resolve) => child.on("close", (status) => resolve(status ?? 0)));
}
