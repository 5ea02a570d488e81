/** Runtime options shared by the function registrations (STYLE rule 1: the registration names its options). */
import type { CallableOptions } from "firebase-functions/https";
import { REGION, REDIS_SECRETS } from "./config.js";

/**
 * Callables: 1 vCPU so that an instance serves up to 80 requests at once (Cloud Run forces concurrency 1 below
 * 1 vCPU, which would multiply instances and cold starts at 2,000 pings/s).
 */
export const callableOptions = {
  region: REGION,
  cpu: 1,
  concurrency: 80,
  memory: "256MiB",
  timeoutSeconds: 30,
} as const satisfies CallableOptions;

/** Callables that talk to Upstash are the only ones bound to its token. */
export const redisCallableOptions = {
  ...callableOptions,
  secrets: REDIS_SECRETS,
} as const satisfies CallableOptions;
