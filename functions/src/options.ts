/**
 * Runtime options shared by the function registrations (STYLE rule 1: the registration names its options). Every
 * function states its region, memory, timeout, CPU, concurrency and instance cap: the deploy manifest test
 * (functions/test/deploy/manifest.test.ts) refuses one that leaves any to the platform's defaults.
 */
import type { CallableOptions } from "firebase-functions/https";
import type { ScheduleOptions } from "firebase-functions/scheduler";
import { REGION, REDIS_SECRETS } from "./config.js";

/**
 * Callables: 1 vCPU so that an instance serves up to 80 requests at once (Cloud Run forces concurrency 1 below
 * 1 vCPU, which would multiply instances and cold starts at 2,000 pings/s). 100 instances (the platform's own default
 * for 2nd gen, stated here) serve 8,000 concurrent requests: ~160,000 pings/s at 50 ms each.
 */
export const callableOptions = {
  region: REGION,
  cpu: 1,
  concurrency: 80,
  memory: "256MiB",
  timeoutSeconds: 30,
  maxInstances: 100,
} as const satisfies CallableOptions;

/** Callables that talk to Upstash are the only ones bound to its token. */
export const redisCallableOptions = {
  ...callableOptions,
  secrets: REDIS_SECRETS,
} as const satisfies CallableOptions;

/**
 * getAnalytics waits on BigQuery (a query takes seconds) and loads its client: more memory and time than a ping, and
 * few callers (teachers), so few instances.
 */
export const analyticsCallableOptions = { ...callableOptions, memory: "512MiB", timeoutSeconds: 60, maxInstances: 10 } as const satisfies CallableOptions;

/** Operators' callables: a handful of people call them; one instance each keeps their MongoDB connections few. */
export const adminCallableOptions = { ...callableOptions, maxInstances: 1 } as const satisfies CallableOptions;

/**
 * Cloud Scheduler names the time zone of every job: stated, so that a daily job never moves with a console default.
 * Schedules here are intervals; the zone matters once one names a time of day.
 */
export const SCHEDULE_TIME_ZONE = "UTC";

/** Scheduled functions: one run at a time (the flush's lock and the replay's batches assume it). */
export const scheduleOptions = {
  region: REGION,
  timeZone: SCHEDULE_TIME_ZONE,
  cpu: 1,
  concurrency: 1,
  maxInstances: 1,
  retryCount: 0,
} as const satisfies Omit<ScheduleOptions, "schedule">;

/**
 * Mirror triggers only put a change on each sink's queue (sync/delivery-tasks.ts): no secret, little memory, and
 * `retry: true`, so that a change whose enqueue failed is delivered again by Eventarc (with backoff, for up to a day).
 */
export const mirrorTriggerOptions = {
  region: REGION,
  cpu: 1,
  concurrency: 80,
  maxInstances: 20,
  memory: "256MiB",
  timeoutSeconds: 60,
  retry: true,
} as const;

/**
 * Instances of each sink's delivery function. MongoDB's: 8 × 7 connections (adapters/mongo.ts) = 56, plus the
 * operators' functions that also connect, stays under MONGODB_MAX_CONNECTIONS (500, Atlas M0); the deploy manifest
 * test adds it up. Each instance delivers up to 20 changes at once.
 */
export const DELIVERY_MAX_INSTANCES = 8;

/** A sink's delivery function (one per sink, each on its own queue). */
export const deliveryTaskOptions = {
  region: REGION,
  cpu: 1,
  concurrency: 20,
  maxInstances: DELIVERY_MAX_INSTANCES,
  memory: "512MiB",
  timeoutSeconds: 60,
} as const;
