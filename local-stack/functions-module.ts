/**
 * Loads the built functions codebase (functions/lib) the way the Functions emulator does, and sorts its exports by
 * trigger kind from the `__endpoint` manifest that firebase-functions attaches to every function.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The functions codebase the stack serves: LEARNPULSE_FUNCTIONS_DIR, else this repository's `functions/` (the stack
 * is its own package, so another project can point it at its own codebase).
 */
export const FUNCTIONS_DIR = resolve(process.env["LEARNPULSE_FUNCTIONS_DIR"] ?? resolve(import.meta.dirname, "../functions"));

export interface Endpoint {
  /** Where the function is deployed; entries may be params. */
  region?: unknown[];
  callableTrigger?: object;
  eventTrigger?: { eventType: string; eventFilters?: Record<string, string>; eventFilterPathPatterns?: Record<string, string>; retry?: unknown };
  scheduleTrigger?: { schedule: string | object };
  /**
   * An `onTaskDispatched` function's queue. Each value is as the function declared it: a number, a param (an
   * Expression), or firebase-functions' reset marker for an option left out (the deploy's default).
   */
  taskQueueTrigger?: {
    retryConfig?: { [option in "maxAttempts" | "maxRetrySeconds" | "minBackoffSeconds" | "maxBackoffSeconds" | "maxDoublings"]?: unknown };
    rateLimits?: { [option in "maxConcurrentDispatches" | "maxDispatchesPerSecond"]?: unknown };
  };
}

// Each export of functions/lib is an HTTP handler (callables), a CloudEvent handler (triggers) or both; `run` is the raw handler.
export type FunctionExport = ((...args: never[]) => unknown) & { __endpoint?: Endpoint; run?: (arg: unknown) => unknown };

export interface LoadedFunctions {
  callables: Map<string, FunctionExport>;
  triggers: Map<string, FunctionExport>;
  schedules: Map<string, FunctionExport>;
  /** `onTaskDispatched` functions, each the target of the Cloud Tasks queue of its name. */
  tasks: Map<string, FunctionExport>;
  /** 1st-gen Auth triggers (`auth.user().onDelete`), by name, with their event type (`providers/firebase.auth/eventTypes/user.delete`). */
  authTriggers: Map<string, { fn: FunctionExport; eventType: string }>;
}

const AUTH_EVENTS = "providers/firebase.auth/eventTypes/";

export async function loadFunctions(functionsDir = FUNCTIONS_DIR): Promise<LoadedFunctions> {
  const main = JSON.parse(readFileSync(join(functionsDir, "package.json"), "utf8")).main ?? "lib/index.js";
  const module = (await import(pathToFileURL(join(functionsDir, main)).href)) as Record<string, unknown>;
  const loaded: LoadedFunctions = { callables: new Map(), triggers: new Map(), schedules: new Map(), tasks: new Map(), authTriggers: new Map() };
  for (const [name, value] of Object.entries(module)) {
    const fn = value as FunctionExport;
    const endpoint = typeof value === "function" ? fn.__endpoint : undefined;
    if (endpoint?.callableTrigger) loaded.callables.set(name, fn);
    else if (endpoint?.eventTrigger?.eventType.startsWith(AUTH_EVENTS)) loaded.authTriggers.set(name, { fn, eventType: endpoint.eventTrigger.eventType });
    else if (endpoint?.eventTrigger) loaded.triggers.set(name, fn);
    else if (endpoint?.scheduleTrigger) loaded.schedules.set(name, fn);
    else if (endpoint?.taskQueueTrigger) loaded.tasks.set(name, fn);
  }
  return loaded;
}

/**
 * Imports a package as the functions codebase sees it (its own node_modules, ESM entry), so that module state such as
 * firebase-functions' list of declared params is the very instance the functions use — not a second CommonJS copy.
 */
export async function importFromFunctions<T>(specifier: string, functionsDir = FUNCTIONS_DIR): Promise<T> {
  const [scope, name, ...rest] = specifier.startsWith("@") ? specifier.split("/") : ["", ...specifier.split("/")];
  const pkgName = scope ? `${scope}/${name}` : (name as string);
  const subpath = rest.length ? `./${rest.join("/")}` : ".";
  const pkgJsonPath = packageJsonOf(pkgName, createRequire(join(functionsDir, "package.json")).resolve(pkgName));
  const exportsMap = JSON.parse(readFileSync(pkgJsonPath, "utf8")).exports ?? {};
  const entry = exportsMap[subpath];
  const target = typeof entry === "string" ? entry : (entry?.import ?? entry?.default);
  if (!target) throw new Error(`${specifier}: no ESM entry in ${pkgJsonPath}`);
  return (await import(pathToFileURL(join(dirname(pkgJsonPath), target)).href)) as T;
}

/** Names of the params the loaded functions declared. */
export async function declaredParamNames(): Promise<string[]> {
  const { declaredParams } = await importFromFunctions<{ declaredParams: DeclaredParam[] }>("firebase-functions/params");
  return declaredParams.map((param) => param.name);
}

/** Walks up from a resolved entry file to the package's own package.json (packages need not export it). */
function packageJsonOf(pkgName: string, entry: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, "utf8")).name === pkgName) return candidate;
  }
  throw new Error(`${pkgName}: package.json not found above ${entry}`);
}

interface DeclaredParam {
  name: string;
  options?: { default?: unknown };
}

/**
 * Gives every declared param its default in process.env unless already set, as `firebase deploy` resolves params
 * into the function's environment (at run time, firebase-functions reads params from process.env only).
 */
export async function applyParamDefaults(env: NodeJS.ProcessEnv = process.env): Promise<Record<string, string>> {
  const { declaredParams } = await importFromFunctions<{ declaredParams: DeclaredParam[] }>("firebase-functions/params");
  const applied: Record<string, string> = {};
  for (const param of declaredParams) {
    const fallback = param.options?.default;
    if (env[param.name] === undefined && fallback !== undefined && typeof fallback !== "object") {
      env[param.name] = applied[param.name] = String(fallback);
    }
  }
  return applied;
}

/**
 * Closes the clients the loaded functions opened that would keep this process alive (the MongoDB driver's
 * monitors), as an instance shutting down would.
 */
export async function closeFunctionClients(functionsDir = FUNCTIONS_DIR): Promise<void> {
  const mongo = (await import(pathToFileURL(join(functionsDir, "lib/adapters/mongo.js")).href)) as { closeMongo?: () => Promise<void> };
  await mongo.closeMongo?.();
}
