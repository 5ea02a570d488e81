/**
 * The local stack: Firestore stand-in, Redis behind an Upstash REST bridge, BigQuery, MongoDB and Cosmos stand-ins, an
 * Auth emulator stand-in, the built functions served as callables, Firestore triggers, schedules and task queues — one library used by `npm start` and by the test suite's global setup.
 */
import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import { startAuth, type LocalAuth } from "./auth.ts";
import { startBigQuery, type LocalBigQuery } from "./bigquery/index.ts";
import { startCallableHost, EMULATOR_TOKEN_ENV, type CallableHost } from "./callable-host.ts";
import { startCosmos, type LocalCosmos } from "./cosmos/index.ts";
import { startFirestore, type LocalFirestore } from "./firestore/index.ts";
import { startAuthTriggers, type AuthTriggers } from "./auth-triggers.ts";
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
import { startTasks, type LocalTasks } from "./tasks/index.ts";
import { startTriggerBridge, type TriggerBridge } from "./triggers.ts";

// The package's API beside startStack: each stand-in alone, the emulators' token formats, the demo catalogue.
export { startAuth, type LocalAuth } from "./auth.ts";
export { startBigQuery, type LocalBigQuery } from "./bigquery/index.ts";
export { startCosmos, type LocalCosmos } from "./cosmos/index.ts";
export { startFirestore, type LocalFirestore } from "./firestore/index.ts";
export { startMongo, type LocalMongo } from "./mongo/index.ts";
export { startRedis, UPSTASH_COMMANDS_PER_SECOND, type LocalRedis } from "./redis/index.ts";
export { startTasks, type LocalTasks, type TaskQueueStats } from "./tasks/index.ts";
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
  /** The Cloud Tasks queues' port (CLOUD_TASKS_EMULATOR_HOST). */
  tasksPort?: number;
  /**
   * Multiplies every retry's backoff: task queues' (and their maxRetrySeconds) and `retry: true` triggers', so tests
   * see retries in milliseconds: 0.001 turns a 1 s backoff into 1 ms. @default 1
   */
  taskBackoffScale?: number;
  redisBackend?: "auto" | "redis-server" | "in-process";
  /**
   * The project's firestore.indexes.json, whose exemptions the Firestore stand-in honours when it counts a
   * document's index entries. @default the file beside the functions codebase, when there is one
   */
  firestoreIndexes?: string;
  /** The rules client SDK requests are checked against. @default the firestore.rules beside the functions codebase */
  firestoreRules?: string;
  /** Run schedules on timers (npm start) or only on demand (tests). */
  scheduleTimers?: boolean;
  scheduleIntervalMs?: number;
  /** Starts the Redis stand-in (default: startRedis in this process). */
  redis?: (shard: number) => Promise<LocalRedis>;
  /**
   * Upstash databases (shards) of the write-behind: one Redis and REST bridge each, named to the functions as
   * UPSTASH_SHARDS, UPSTASH_REDIS_REST_URL(_n) and UPSTASH_REDIS_REST_TOKEN(_n). Only shard 0 listens on redisPort.
   * @default UPSTASH_SHARDS from the environment, else 1
   */
  shards?: number;
  /** Each Cosmos container's RU/s budget (429 past it). @default 5,000 (serverless) */
  cosmosRuPerSecond?: number;
  /** Each shard's command rate (Upstash throttles past it). @default 10,000 (UPSTASH_COMMANDS_PER_SECOND) */
  redisCommandsPerSecond?: number;
  /** More callables to serve beside the product's (benchmarks' baselines); called once the functions are loaded. */
  extraCallables?: () => Promise<Map<string, FunctionExport>>;
  log?: (line: string) => void;
}

export interface Stack {
  projectId: string;
  region: string;
  /** The in-process Firestore stand-in; absent when FIRESTORE_EMULATOR_HOST named an external emulator. */
  firestore?: LocalFirestore;
  /** Shard 0's Redis (the only one of a one-shard stack). */
  redis: LocalRedis;
  /** Every shard's Redis, by shard number. */
  redisShards: LocalRedis[];
  bigquery: LocalBigQuery;
  /** The MongoDB stand-in; absent when MONGODB_URI named a real server. */
  mongo?: LocalMongo;
  cosmos: LocalCosmos;
  /** The Auth emulator stand-in; absent when FIREBASE_AUTH_EMULATOR_HOST named an external emulator. */
  auth?: LocalAuth;
  host: CallableHost;
  triggers: TriggerBridge;
  /** The Auth triggers, fired by the Auth stand-in's user deletions. */
  authTriggers: AuthTriggers;
  scheduler: Scheduler;
  /** The Cloud Tasks queues of the `onTaskDispatched` functions. */
  tasks: LocalTasks;
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
  /** host:port of the task queues; firebase-admin's taskQueue().enqueue() posts there when it is set. */
  CLOUD_TASKS_EMULATOR_HOST: string;
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
  const rules = options.firestoreRules ?? resolve(FUNCTIONS_DIR, "..", "firestore.rules");
  const firestore = externalFirestore
    ? undefined
    : await startFirestore({
        port: options.firestorePort ?? 0,
        projectId,
        ...(existsSync(indexes) ? { indexes } : {}),
        ...(existsSync(rules) ? { rules } : {}),
      });
  const shardCount = Math.max(1, options.shards ?? (Number(process.env["UPSTASH_SHARDS"]) || 1));
  const redisShards = await Promise.all(
    Array.from({ length: shardCount }, (_, shard) =>
      options.redis?.(shard) ??
      startRedis({
        port: shard === 0 ? (options.redisPort ?? 0) : 0,
        backend: options.redisBackend ?? "auto",
        ...(options.redisCommandsPerSecond ? { commandsPerSecond: options.redisCommandsPerSecond } : {}),
      }),
    ),
  );
  const redis = redisShards[0] as LocalRedis;
  const shardEnv = upstashEnv(redisShards);
  const bigquery = await startBigQuery({ port: options.bigqueryPort ?? 0, projectId });
  // A real MongoDB when MONGODB_URI names one (the test lane for the sink against a real server), else the stand-in.
  const externalMongo = process.env["MONGODB_URI"];
  const mongo = externalMongo ? undefined : await startMongo({ port: options.mongoPort ?? 0 });
  const cosmos = await startCosmos({ port: options.cosmosPort ?? 0, ...(options.cosmosRuPerSecond ? { ruPerSecond: options.cosmosRuPerSecond } : {}) });
  // The official Auth emulator when one is running (firebase emulators:exec --only auth sets this), else the stand-in.
  const externalAuth = process.env["FIREBASE_AUTH_EMULATOR_HOST"];
  const auth = externalAuth ? undefined : await startAuth({ projectId, port: options.authPort ?? 0 });
  const tasks = await startTasks({
    projectId,
    port: options.tasksPort ?? 0,
    ...(options.taskBackoffScale ? { backoffScale: options.taskBackoffScale } : {}),
    log,
  });

  // Before the functions load: firebase-functions reads its debug mode once, at import.
  Object.assign(process.env, {
    ...EMULATOR_TOKEN_ENV,
    GCLOUD_PROJECT: projectId,
    GOOGLE_CLOUD_PROJECT: projectId,
    FIREBASE_CONFIG: JSON.stringify({ projectId }),
    FIRESTORE_EMULATOR_HOST: externalFirestore ?? firestore?.host,
    ...shardEnv,
    // A URL: @google-cloud/bigquery reads this variable itself and uses it as the base URL.
    BIGQUERY_EMULATOR_HOST: bigquery.apiEndpoint,
    MONGODB_URI: externalMongo ?? mongo?.uri,
    COSMOS_ENDPOINT: cosmos.endpoint,
    COSMOS_KEY: cosmos.key,
    // firebase-admin's auth (createCustomToken, verifyIdToken) follows it too, as with the official emulator.
    FIREBASE_AUTH_EMULATOR_HOST: externalAuth ?? auth?.host,
    // firebase-admin reads it when getFunctions() is first called, so it must be set before any function runs.
    CLOUD_TASKS_EMULATOR_HOST: tasks.host,
    // Local clients carry no App Check token; production keeps the param's default (true).
    ENFORCE_APP_CHECK: process.env["ENFORCE_APP_CHECK"] ?? "false",
    // Nothing here runs on Google Cloud: stop google-auth probing the metadata server (and warning when it is absent).
    METADATA_SERVER_DETECTION: "none",
  });
  const functions = await loadFunctions();
  await applyParamDefaults();
  tasks.serve(functions.tasks); // after the param defaults: queue settings may be params

  const triggers = firestore
    ? startTriggerBridge({ triggers: functions.triggers, firestore, projectId, log, ...(options.taskBackoffScale ? { retryBackoffScale: options.taskBackoffScale } : {}) })
    : startTriggerBridge({ triggers: new Map(), firestore: { onCommit: () => () => undefined }, projectId, log });
  if (!firestore && functions.triggers.size) {
    log(`FIRESTORE_EMULATOR_HOST=${externalFirestore}: triggers are not fired by this stack; use firebase emulators:start for them`);
  }
  const authTriggers = startAuthTriggers({ auth: auth ?? { onUserDeleted: () => undefined }, triggers: functions.authTriggers, projectId, log });
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
    redisShards,
    bigquery,
    ...(mongo ? { mongo } : {}),
    cosmos,
    ...(auth ? { auth } : {}),
    host,
    triggers,
    authTriggers,
    scheduler,
    tasks,
    functions,
    env: {
      GCLOUD_PROJECT: projectId,
      FIRESTORE_EMULATOR_HOST: process.env["FIRESTORE_EMULATOR_HOST"] as string,
      ...shardEnv,
      UPSTASH_REDIS_REST_URL: redis.restUrl,
      UPSTASH_REDIS_REST_TOKEN: redis.token,
      BIGQUERY_EMULATOR_HOST: bigquery.apiEndpoint,
      MONGODB_URI: process.env["MONGODB_URI"] as string,
      COSMOS_ENDPOINT: cosmos.endpoint,
      COSMOS_KEY: cosmos.key,
      FIREBASE_AUTH_EMULATOR_HOST: process.env["FIREBASE_AUTH_EMULATOR_HOST"] as string,
      CLOUD_TASKS_EMULATOR_HOST: tasks.host,
      ENFORCE_APP_CHECK: process.env["ENFORCE_APP_CHECK"] as string,
      LEARNPULSE_FUNCTIONS_URL: host.baseUrl,
      LEARNPULSE_STACK_URL: `http://127.0.0.1:${host.port}/__stack`,
      LEARNPULSE_TRIGGERS: firestore ? "stack" : "none",
    },
    async stop() {
      await scheduler.stop();
      // Triggers first: one still running may enqueue a task, and a retried one would wait out its backoff.
      triggers.stop();
      await triggers.idle();
      await tasks.stop();
      await host.stop();
      await closeFunctionClients();
      await Promise.all(redisShards.map((shard) => shard.stop()));
      await Promise.all([bigquery.stop(), mongo?.stop(), cosmos.stop(), auth?.stop()]);
      await firestore?.stop();
    },
  };
  return stack;
}

export interface StackStats {
  /** Store counters, Listen streams and events (onSnapshot, both transports), and client requests the rules refused. */
  firestore: (ReturnType<LocalFirestore["stats"]> & { listen: ReturnType<LocalFirestore["watchStats"]>; refused: number }) | null;
  /** Billed commands of every shard together, and of each shard. */
  redis: {
    commands: number;
    byCommand: Record<string, number>;
    shards: { commands: number; byCommand: Record<string, number>; throttled: { requests: number; waitedMs: number } }[];
  };
  bigquery: ReturnType<LocalBigQuery["stats"]>;
  mongo: ReturnType<LocalMongo["stats"]> | null;
  cosmos: ReturnType<LocalCosmos["stats"]>;
  triggers: { delivered: number; failed: number };
  callables: Record<string, number>;
  /** Wall ms spent in each callable's handler (callable-host.ts busyMs). */
  callableBusyMs: Record<string, number>;
  schedules: Record<string, { runs: number; failures: number }>;
  tasks: ReturnType<LocalTasks["stats"]>;
}

export function stackStats(stack: Stack): StackStats {
  return {
    firestore: stack.firestore ? { ...stack.firestore.stats(), listen: stack.firestore.watchStats(), refused: stack.firestore.refused() } : null,
    redis: redisStats(stack.redisShards),
    bigquery: stack.bigquery.stats(),
    mongo: stack.mongo?.stats() ?? null,
    cosmos: stack.cosmos.stats(),
    triggers: stack.triggers.stats(),
    callables: stack.host.stats(),
    callableBusyMs: stack.host.busyMs(),
    schedules: stack.scheduler.stats(),
    tasks: stack.tasks.stats(),
  };
}

function redisStats(shards: LocalRedis[]): StackStats["redis"] {
  const perShard = shards.map((shard) => ({ commands: shard.commands(), byCommand: shard.commandCounts(), throttled: shard.throttled() }));
  const byCommand: Record<string, number> = {};
  for (const shard of perShard) for (const [name, count] of Object.entries(shard.byCommand)) byCommand[name] = (byCommand[name] ?? 0) + count;
  return { commands: perShard.reduce((sum, shard) => sum + shard.commands, 0), byCommand, shards: perShard };
}

/** The functions' env of each shard: shard 0 keeps the unsuffixed names, as functions/src/config.ts declares them. */
function upstashEnv(shards: LocalRedis[]): Record<string, string> {
  const env: Record<string, string> = { UPSTASH_SHARDS: String(shards.length) };
  shards.forEach((shard, n) => {
    const suffix = n === 0 ? "" : `_${n}`;
    env[`UPSTASH_REDIS_REST_URL${suffix}`] = shard.restUrl;
    env[`UPSTASH_REDIS_REST_TOKEN${suffix}`] = shard.token;
  });
  return env;
}

/**
 * Waits until no task is queued or running and no trigger is in flight (a task's writes fire triggers). With
 * `dueWithinMs`, tasks scheduled later than that (an erasure's next-day follow-up) are left waiting.
 */
export async function quiesce(stack: Pick<Stack, "tasks" | "triggers" | "authTriggers">, options: { dueWithinMs?: number } = {}): Promise<void> {
  const { dueWithinMs } = options;
  for (;;) {
    await stack.authTriggers.idle();
    await (dueWithinMs === undefined ? stack.tasks.idle() : stack.tasks.settled(dueWithinMs));
    await stack.triggers.idle();
    const busy =
      dueWithinMs === undefined ? Object.values(stack.tasks.stats()).some((queue) => queue.pending + queue.inFlight > 0) : Object.values(stack.tasks.stats()).some((queue) => queue.inFlight > 0);
    if (!busy) return;
  }
}

type ControlRoute = (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

/**
 * `GET /__stack/stats`, `POST /__stack/idle` (waits until no task and no trigger is in flight), `POST /__stack/tasks/idle`
 * (waits until every task queue is empty), `POST /__stack/schedules/{name}` (runs a schedule now), `POST
 * /__stack/reset-stats`, `POST /__stack/faults/{redis|bigquery|mongo|cosmos}/{mode}` (mode: off, refuse, timeout,
 * error; cosmos also throttle; redis: every shard), `POST /__stack/faults/firestore-writes/{prefix|off}` (commits
 * writing under the path prefix fail with DEADLINE_EXCEEDED), `POST /__stack/faults/firestore-listen/drop[/{uid}]` (cuts
 * every open Listen stream, or one signed-in uid's), `POST /__stack/params/{NAME}/{value}` (sets a declared
 * param, as redeploying with a new value would): how tests in other processes observe and drive the stack.
 */
function controlRoutes(getStack: () => Stack): (path: string) => ControlRoute | undefined {
  return (path) => {
    const stack = getStack();
    if (path === "stats") return async () => stackStats(stack);
    if (path === "idle") return async () => (await quiesce(stack), { idle: true });
    if (path === "tasks/idle") return async () => (await stack.tasks.idle(), { idle: true });
    const failing = /^faults\/firestore-writes\/(.+)$/.exec(path)?.[1];
    if (failing !== undefined) {
      const prefix = decodeURIComponent(failing);
      return async () => (stack.firestore?.failWrites(prefix === "off" ? null : prefix), { failing: prefix });
    }
    const listener = /^faults\/firestore-listen\/drop(?:\/([^/]+))?$/.exec(path);
    if (listener) return async () => ({ dropped: stack.firestore?.dropListenStreams(listener[1] === undefined ? undefined : decodeURIComponent(listener[1])) ?? 0 });
    if (path === "reset-stats")
      return async () => {
        stack.firestore?.resetStats();
        for (const shard of stack.redisShards) shard.resetCommands();
        stack.bigquery.resetStats();
        stack.mongo?.resetStats();
        stack.cosmos.resetStats();
        stack.host.resetStats();
        stack.tasks.resetStats();
        return { reset: true };
      };
    const fault = /^faults\/(redis|bigquery|mongo|cosmos)\/(off|refuse|timeout|error|throttle)$/.exec(path);
    if (fault) {
      return async () => {
        const [, service, mode] = fault as unknown as [string, "redis" | "bigquery" | "mongo" | "cosmos", string];
        const target = service === "mongo" ? stack.mongo : stack[service];
        if (!target) throw new Error(`${service} is not a stand-in here`);
        if (mode === "throttle" && service !== "cosmos") throw new Error("only cosmos throttles");
        const targets = service === "redis" ? stack.redisShards : [target];
        for (const each of targets) (each.fault as (mode: unknown) => void)(mode === "off" ? false : mode);
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
