/**
 * A task function's Cloud Tasks queue as `firebase deploy` creates it from the function's manifest
 * (`__endpoint.taskQueueTrigger`), and Cloud Tasks' retry policy: when a failed attempt is retried, and after how long.
 */
import type { FunctionExport } from "../functions-module.ts";

export interface RetryConfig {
  /** Attempts per task, the first included; -1 is unlimited. */
  maxAttempts: number;
  /** How long after its first attempt a task may still be retried; 0 is no limit. */
  maxRetrySeconds: number;
  minBackoffSeconds: number;
  maxBackoffSeconds: number;
  maxDoublings: number;
}

export interface RateLimits {
  maxConcurrentDispatches: number;
  maxDispatchesPerSecond: number;
}

export interface QueueConfig {
  retryConfig: RetryConfig;
  rateLimits: RateLimits;
  /** The function's regions: the locations its queue exists in. */
  locations: string[];
}

/**
 * What `firebase deploy` gives an option the function leaves out (firebase-tools, gcp/cloudtasks.js
 * DEFAULT_SETTINGS); it sets no retry duration, which Cloud Tasks reads as 0, no limit.
 */
export const QUEUE_DEFAULTS: Omit<QueueConfig, "locations"> = {
  retryConfig: { maxAttempts: 3, maxRetrySeconds: 0, minBackoffSeconds: 0.1, maxBackoffSeconds: 3600, maxDoublings: 16 },
  rateLimits: { maxConcurrentDispatches: 1000, maxDispatchesPerSecond: 500 },
};

/** firebase-admin's location when `taskQueue(name)` names none, and the deploy's default region. */
export const DEFAULT_LOCATION = "us-central1";

/** Cloud Tasks' ceilings (RateLimits reference): a queue above them fails to deploy, so it fails to load here. */
const MAX_DISPATCHES_PER_SECOND = 500;
const MAX_CONCURRENT_DISPATCHES = 5000;

/** Reads a task function's queue settings; params resolve from the env, as at run time. Throws where a deploy would fail. */
export function queueConfigOf(name: string, fn: FunctionExport, env: NodeJS.ProcessEnv = process.env): QueueConfig {
  const trigger = fn.__endpoint?.taskQueueTrigger ?? {};
  const pick = <T extends object>(declared: { [key: string]: unknown } | undefined, defaults: T): T =>
    Object.fromEntries(Object.entries(defaults).map(([key, fallback]) => [key, optionValue(declared?.[key], env) ?? fallback])) as T;
  const retryConfig = pick(trigger.retryConfig, QUEUE_DEFAULTS.retryConfig);
  const rateLimits = pick(trigger.rateLimits, QUEUE_DEFAULTS.rateLimits);
  const regions = (fn.__endpoint?.region ?? []).map((region) => (isExpression(region) ? String(region.value()) : region));
  const locations = regions.filter((region): region is string => typeof region === "string");
  const refuse = (problem: string) => {
    throw new Error(`Task queue ${name}: ${problem}, which Cloud Tasks refuses`);
  };
  const { maxDispatchesPerSecond, maxConcurrentDispatches } = rateLimits;
  if (!(maxDispatchesPerSecond > 0 && maxDispatchesPerSecond <= MAX_DISPATCHES_PER_SECOND)) {
    refuse(`maxDispatchesPerSecond is ${maxDispatchesPerSecond}, outside (0, ${MAX_DISPATCHES_PER_SECOND}]`);
  }
  if (!(maxConcurrentDispatches >= 1 && maxConcurrentDispatches <= MAX_CONCURRENT_DISPATCHES)) {
    refuse(`maxConcurrentDispatches is ${maxConcurrentDispatches}, outside [1, ${MAX_CONCURRENT_DISPATCHES}]`);
  }
  if (retryConfig.maxAttempts < -1) refuse(`maxAttempts is ${retryConfig.maxAttempts}, below -1`);
  if (retryConfig.minBackoffSeconds > retryConfig.maxBackoffSeconds) refuse("minBackoffSeconds is above maxBackoffSeconds");
  return { retryConfig, rateLimits, locations: locations.length ? locations : [DEFAULT_LOCATION] };
}

/**
 * Seconds before retry number `retry` (1 is the first retry): minBackoff, doubled maxDoublings times, then growing by
 * 2^maxDoublings × minBackoff a retry, capped at maxBackoff. Cloud Tasks' own example (RetryConfig.max_doublings):
 * 10 s, 300 s and 3 doublings retry after 10, 20, 40, 80, 160, 240, 300, 300 … seconds.
 */
export function backoffSeconds(retry: number, config: RetryConfig): number {
  const doublings = Math.min(retry - 1, config.maxDoublings);
  const linearSteps = Math.max(0, retry - 1 - config.maxDoublings);
  const factor = 2 ** doublings + linearSteps * 2 ** config.maxDoublings;
  return Math.min(config.maxBackoffSeconds, factor * config.minBackoffSeconds);
}

/**
 * Whether a failed task is retried. Cloud Tasks stops once both limits are reached: maxAttempts attempts made, and
 * maxRetrySeconds passed since the first attempt (RetryConfig.max_attempts). -1 attempts is unlimited; a duration of 0
 * sets no limit of its own, so the attempts alone decide — and with -1 attempts too, the task retries for ever.
 */
export function retryAllowed(config: RetryConfig, attemptsMade: number, secondsSinceFirstAttempt: number): boolean {
  const timeLeft = config.maxRetrySeconds > 0 && secondsSinceFirstAttempt < config.maxRetrySeconds;
  if (config.maxAttempts === -1) return config.maxRetrySeconds === 0 || timeLeft;
  return attemptsMade < config.maxAttempts || timeLeft;
}

/**
 * A manifest option's number: a number; a param (an Expression, read as firebase-functions reads it at run time); its
 * manifest form `{{ params.NAME }}`, read from the env as the scheduler reads schedules; undefined for an option left
 * out (firebase-functions' reset marker, null), so the default applies.
 */
export function optionValue(value: unknown, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (typeof value === "number") return value;
  if (isExpression(value)) return optionValue(value.value(), env);
  if (typeof value !== "string") return undefined;
  const param = /^\{\{ params\.(\w+) \}\}$/.exec(value.trim())?.[1];
  const text = param ? env[param] : value;
  const number = Number(text);
  if (text === undefined || text.trim() === "" || !Number.isFinite(number)) {
    throw new Error(param ? `param ${param} has no numeric value (${text})` : `${value} is not a number`);
  }
  return number;
}

/** firebase-functions' Expression (params and expressions on them), told by duck type: the functions load their own copy. */
function isExpression(value: unknown): value is { value(): unknown } {
  return typeof value === "object" && value !== null && typeof (value as { value?: unknown }).value === "function";
}
