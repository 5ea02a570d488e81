/**
 * The local stack: Firestore stand-in, Redis behind an Upstash REST bridge, BigQuery, MongoDB and Cosmos stand-ins, an
 * Auth emulator stand-in, the built functions served as callables, Firestore triggers and schedules — one library used by `npm start` and by the test suite's global setup.
 */
import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import { startAuth, type LocalAuth } from "./auth.ts";
import { startBigQuery, type LocalBigQuery } from "./bigquery/index.ts";
import { startCallableHost, EMULATOR_TOKEN_ENV, type CallableHost } from "./callable-host.ts";
import { startCosmos, type LocalCosmos } from "./cosmos/index.ts";
import { startFirestore, type LocalFirestore } from "./firestore/index.ts";
import {
  applyParamDefaults,
  closeFunctionClients,
  declaredParamNames,
  FUNCTIONS_DIR,
  loadFunctions,
  type FunctionExport,
  type LoadedFunctions,
} from "./functions-module.ts";
import { startMongo, type LocalMongo } from "./mongo/index.ts";
import { startRedis, type LocalRedis } from "./redis/index.ts";
import { startScheduler, type Scheduler } from "./scheduler.ts";
import { startTriggerBridge, type TriggerBridge } from "./triggers.ts";

// The package's API beside startStack: each stand-in alone, the emulators' token formats, the demo catalogue.
export { startAuth, type LocalAuth } from "./auth.ts";
export { startBigQuery, type LocalBigQuery } from "./bigquery/index.ts";
export { startCosmos, type LocalCosmos } from "./cosmos/index.ts";
export { startFirestore, type LocalFirestore } from "./firestore/index.ts";
export { startMongo, type LocalMongo } from "./mongo/index.ts";
export { startRedis, type LocalRedis } from "./redis/index.ts";
export * from "./seed.ts";
export * from "./tokens.ts";

export const DEMO_PROJECT_ID = "demo-learnpulse";
export const REGION = "us-central1";

export interface StackOptions {
  projectId?: string;
  /** Ports; 0 picks free ones (tests). */
  functionsPort?: number;
  firestorePort?: number;
  redisPort?: number;
  bigqueryPort?: number;
  mongoPort?: number;
  cosmosPort?: number;
  authPort?: number;
  redisBackend?: "auto" | "redis-server" | "in-process";
  /**
   * The project's firestore.indexes.json, whose exemptions the Firestore stand-in honours when it counts a
   * document's index entries. @default the file beside the functions codebase, when there is one
   */
  firestoreIndexes?: string;
  /** Run schedules on timers (npm start) or only on demand (tests). */
  scheduleTimers?: boolean;
  scheduleIntervalMs?: number;
  /** Starts the Redis stand-in (default: startRedis in this process). */
  redis?: () => Promise<LocalRedis>;
  /** More callables to serve beside the product's (benchmarks' baselines); called once the functions are loaded. */
  extraCallables?: () => Promise<Map<string, FunctionExport>>;
  log?: (line: string) => void;
}

export interface Stack {
  projectId: string;
  region: string;
  /** The in-process Firestore stand-in; absent when FIRESTORE_EMULATOR_HOST named an external emulator. */
  firestore?: LocalFirestore;
  redis: LocalRedis;
  bigquery: LocalBigQuery;
  /** The MongoDB stand-in; absent when MONGODB_URI named a real server. */
  mongo?: LocalMongo;
  cosmos: LocalCosmos;
  /** The Auth emulator stand-in; absent when FIREBASE_AUTH_EMULATOR_HOST named an external emulator. */
  auth?: LocalAuth;
  host: CallableHost;
  triggers: TriggerBridge;
  scheduler: Scheduler;
  functions: LoadedFunctions;
  /** What a client or a test process needs to reach this stack. */
  env: StackEnv;
  stop(): Promise<void>;
}

export interface StackEnv {
  GCLOUD_PROJECT: string;
  FIRESTORE_EMULATOR_HOST: string;
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
  BIGQUERY_EMULATOR_HOST: string;
  MONGODB_URI: string;
  COSMOS_ENDPOINT: string;
  COSMOS_KEY: string;
  /** host:port of the Auth emulator (stand-in or official) that clients sign in through. */
  FIREBASE_AUTH_EMULATOR_HOST: string;
  LEARNPULSE_FUNCTIONS_URL: string;
  /** Control routes of the stack (stats, idle, schedules) for tests and tools. */
  LEARNPULSE_STACK_URL: string;
  /** "stack" when this stack fires Firestore triggers; "none" with an external emulator. */
  LEARNPULSE_TRIGGERS: "stack" | "none";
  [name: string]: string;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const projectId = options.projectId ?? DEMO_PROJECT_ID;
  const log = options.log ?? ((line: string) => console.error(line));
  const externalFirestore = process.env["FIRESTORE_EMULATOR_HOST"];
  const indexes = options.firestoreIndexes ?? resolve(FUNCTIONS_DIR, "..", "firestore.indexes.json");
  const firestore = externalFirestore
    ? undefined
    : await startFirestore({ port: options.firestorePort ?? 0, projectId, ...(existsSync(indexes) ? { indexes } : {}) });
  const redis = await (options.redis?.() ?? startRedis({ port: options.redisPort ?? 0, backend: options.redisBackend ?? "auto" }));
  const bigquery = await startBigQuery({ port: options.bigqueryPort ?? 0, projectId });
  // A real MongoDB when MONGODB_URI names one (the test lane for the sink against a real server), else the stand-in.
  const externalMongo = process.env["MONGODB_URI"];
  const mongo = externalMongo ? undefined : await startMongo({ port: options.mongoPort ?? 0 });
  const cosmos = await startCosmos({ port: options.cosmosPort ?? 0 });
  // The official Auth emulator when one is running (firebase emulators:exec --only auth sets this), else the stand-in.
  const externalAuth = process.env["FIREBASE_AUTH_EMULATOR_HOST"];
  const auth = externalAuth ? undefined : await startAuth({ projectId, port: options.authPort ?? 0 });

  // Before the functions load: firebase-functions reads its debug mode once, at import.
  Object.assign(process.env, {
    ...EMULATOR_TOKEN_ENV,
    GCLOUD_PROJECT: projectId,
    GOOGLE_CLOUD_PROJECT: projectId,
    FIREBASE_CONFIG: JSON.stringify({ projectId }),
    FIRESTORE_EMULATOR_HOST: externalFirestore ?? firestore?.host,
    UPSTASH_REDIS_REST_URL: redis.restUrl,
    UPSTASH_REDIS_REST_TOKEN: redis.token,
    // A URL: @google-cloud/bigquery reads this variable itself and uses it as the base URL.
    BIGQUERY_EMULATOR_HOST: bigquery.apiEndpoint,
    MONGODB_URI: externalMongo ?? mongo?.uri,
    COSMOS_ENDPOINT: cosmos.endpoint,
    COSMOS_KEY: cosmos.key,
    // firebase-admin's auth (createCustomToken, verifyIdToken) follows it too, as with the official emulator.
    FIREBASE_AUTH_EMULATOR_HOST: externalAuth ?? auth?.host,
    // Local clients carry no App Check token; production keeps the param's default (true).
    ENFORCE_APP_CHECK: process.env["ENFORCE_APP_CHECK"] ?? "false",
    // Nothing here runs on Google Cloud: stop google-auth probing the metadata server (and warning when it is absent).
    METADATA_SERVER_DETECTION: "none",
  });
  const functions = await loadFunctions();
  await applyParamDefaults();

  const triggers = firestore
    ? startTriggerBridge({ triggers: functions.triggers, firestore, projectId, log })
    : startTriggerBridge({ triggers: new Map(), firestore: { onCommit: () => () => undefined }, projectId, log });
  if (!firestore && functions.triggers.size) {
    log(`FIRESTORE_EMULATOR_HOST=${externalFirestore}: triggers are not fired by this stack; use firebase emulators:start for them`);
  }
  const scheduler = startScheduler({
    schedules: functions.schedules,
    timers: options.scheduleTimers ?? false,
    ...(options.scheduleIntervalMs ? { intervalMs: options.scheduleIntervalMs } : {}),
    log,
  });
  const host = await startCallableHost({
    callables: new Map([...functions.callables, ...((await options.extraCallables?.()) ?? [])]),
    projectId,
    region: REGION,
    port: options.functionsPort ?? 0,
    control: controlRoutes(() => stack),
  });

  const stack: Stack = {
    projectId,
    region: REGION,
    ...(firestore ? { firestore } : {}),
    redis,
    bigquery,
    ...(mongo ? { mongo } : {}),
    cosmos,
    ...(auth ? { auth } : {}),
    host,
    triggers,
    scheduler,
    functions,
    env: {
      GCLOUD_PROJECT: projectId,
      FIRESTORE_EMULATOR_HOST: process.env["FIRESTORE_EMULATOR_HOST"] as string,
      UPSTASH_REDIS_REST_URL: redis.restUrl,
      UPSTASH_REDIS_REST_TOKEN: redis.token,
      BIGQUERY_EMULATOR_HOST: bigquery.apiEndpoint,
      MONGODB_URI: process.env["MONGODB_URI"] as string,
      COSMOS_ENDPOINT: cosmos.endpoint,
      COSMOS_KEY: cosmos.key,
      FIREBASE_AUTH_EMULATOR_HOST: process.env["FIREBASE_AUTH_EMULATOR_HOST"] as string,
      ENFORCE_APP_CHECK: process.env["ENFORCE_APP_CHECK"] as string,
      LEARNPULSE_FUNCTIONS_URL: host.baseUrl,
      LEARNPULSE_STACK_URL: `http://127.0.0.1:${host.port}/__stack`,
      LEARNPULSE_TRIGGERS: firestore ? "stack" : "none",
    },
    async stop() {
      await scheduler.stop();
      await triggers.idle();
      triggers.stop();
      await host.stop();
      await closeFunctionClients();
      await redis.stop();
      await Promise.all([bigquery.stop(), mongo?.stop(), cosmos.stop(), auth?.stop()]);
      await firestore?.stop();
    },
  };
  return stack;
}

export interface StackStats {
  firestore: { writes: number; commits: number; reads: number } | null;
  redis: { commands: number; byCommand: Record<string, number> };
  bigquery: ReturnType<LocalBigQuery["stats"]>;
  mongo: ReturnType<LocalMongo["stats"]> | null;
  cosmos: ReturnType<LocalCosmos["stats"]>;
  triggers: { delivered: number; failed: number };
  callables: Record<string, number>;
  schedules: Record<string, { runs: number; failures: number }>;
}

export function stackStats(stack: Stack): StackStats {
  return {
    firestore: stack.firestore?.stats() ?? null,
    redis: { commands: stack.redis.commands(), byCommand: stack.redis.commandCounts() },
    bigquery: stack.bigquery.stats(),
    mongo: stack.mongo?.stats() ?? null,
    cosmos: stack.cosmos.stats(),
    triggers: stack.triggers.stats(),
    callables: stack.host.stats(),
    schedules: stack.scheduler.stats(),
  };
}

type ControlRoute = (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

/**
 * `GET /__stack/stats`, `POST /__stack/idle` (waits for in-flight triggers), `POST /__stack/schedules/{name}`
 * (runs a schedule now), `POST /__stack/reset-stats`, `POST /__stack/faults/{redis|bigquery|mongo|cosmos}/{mode}`
 * (mode: off, refuse, timeout, error; cosmos also throttle), `POST /__stack/params/{NAME}/{value}` (sets a declared
 * param, as redeploying with a new value would): how tests in other processes observe and drive the stack.
 */
function controlRoutes(getStack: () => Stack): (path: string) => ControlRoute | undefined {
  return (path) => {
    const stack = getStack();
    if (path === "stats") return async () => stackStats(stack);
    if (path === "idle") return async () => (await stack.triggers.idle(), { idle: true });
    if (path === "reset-stats")
      return async () => {
        stack.firestore?.resetStats();
        stack.redis.resetCommands();
        stack.bigquery.resetStats();
        stack.mongo?.resetStats();
        stack.cosmos.resetStats();
        stack.host.resetStats();
        return { reset: true };
      };
    const fault = /^faults\/(redis|bigquery|mongo|cosmos)\/(off|refuse|timeout|error|throttle)$/.exec(path);
    if (fault) {
      return async () => {
        const [, service, mode] = fault as unknown as [string, "redis" | "bigquery" | "mongo" | "cosmos", string];
        const target = service === "mongo" ? stack.mongo : stack[service];
        if (!target) throw new Error(`${service} is not a stand-in here`);
        if (mode === "throttle" && service !== "cosmos") throw new Error("only cosmos throttles");
        (target.fault as (mode: unknown) => void)(mode === "off" ? false : mode);
        return { service, mode };
      };
    }
    const param = /^params\/([A-Z0-9_]+)\/([A-Za-z0-9_.,-]*)$/.exec(path);
    if (param) {
      return async () => {
        const [, name, value] = param as unknown as [string, string, string];
        if (!(await declaredParamNames()).includes(name)) throw new Error(`${name} is not a declared param`);
        process.env[name] = decodeURIComponent(value);
        return { [name]: process.env[name] };
      };
    }
    const schedule = /^schedules\/([A-Za-z0-9_]+)$/.exec(path)?.[1];
    if (schedule && stack.functions.schedules.has(schedule))
      return async () => (await stack.scheduler.runNow(schedule), { ran: schedule });
    return undefined;
  };
}
