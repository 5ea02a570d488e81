/**
 * A task function's queue as `firebase deploy` would create it, and Cloud Tasks' retry policy, on functions built
 * with the functions codebase's own `onTaskDispatched`.
 */
import { describe, expect, it } from "vitest";
import { backoffSeconds, queueConfigOf, QUEUE_DEFAULTS, retryAllowed, type RetryConfig } from "./config.ts";
import { functionsSdk } from "./testing.ts";

const { onTaskDispatched, defineInt } = functionsSdk;
const noop = () => undefined;

describe("queue settings", () => {
  it("when a task function sets nothing, then its queue has the deploy's defaults in us-central1", () => {
    const config = queueConfigOf("plain", onTaskDispatched({}, noop));

    expect(config).toEqual({ ...QUEUE_DEFAULTS, locations: ["us-central1"] });
    expect(config.retryConfig).toMatchObject({ maxAttempts: 3, minBackoffSeconds: 0.1, maxBackoffSeconds: 3600, maxDoublings: 16 });
    expect(config.rateLimits).toEqual({ maxConcurrentDispatches: 1000, maxDispatchesPerSecond: 500 });
  });

  it("when options are numbers, params or manifest param expressions, then each resolves from the env, and unset ones keep their defaults", () => {
    const rateParam = `LP_TASK_RATE_${Date.now()}`;
    process.env[rateParam] = "7";
    process.env["LP_TASK_ATTEMPTS"] = "9";
    const fn = onTaskDispatched(
      { region: "europe-west1", retryConfig: { maxAttempts: 5, minBackoffSeconds: 2 }, rateLimits: { maxDispatchesPerSecond: defineInt(rateParam) } },
      noop,
    );
    const manifestForm = { __endpoint: { taskQueueTrigger: { retryConfig: { maxAttempts: "{{ params.LP_TASK_ATTEMPTS }}" } } } };

    const config = queueConfigOf("tuned", fn);

    expect(config.retryConfig).toEqual({ ...QUEUE_DEFAULTS.retryConfig, maxAttempts: 5, minBackoffSeconds: 2 });
    expect(config.rateLimits).toEqual({ maxConcurrentDispatches: 1000, maxDispatchesPerSecond: 7 });
    expect(config.locations).toEqual(["europe-west1"]);
    expect(queueConfigOf("manifest", Object.assign(noop, manifestForm)).retryConfig.maxAttempts).toBe(9);
  });

  it("when a rate limit is above Cloud Tasks' ceiling, then the queue is refused, as the deploy would fail", () => {
    expect(() => queueConfigOf("tooFast", onTaskDispatched({ rateLimits: { maxDispatchesPerSecond: 501 } }, noop))).toThrow(/maxDispatchesPerSecond/);
    expect(() => queueConfigOf("tooWide", onTaskDispatched({ rateLimits: { maxConcurrentDispatches: 5001 } }, noop))).toThrow(/maxConcurrentDispatches/);
  });
});

describe("retry policy", () => {
  const retry: RetryConfig = { maxAttempts: 10, maxRetrySeconds: 0, minBackoffSeconds: 10, maxBackoffSeconds: 300, maxDoublings: 3 };

  it("when retries follow one another, then the backoff doubles maxDoublings times, grows linearly, then stays at maxBackoff (Cloud Tasks' example)", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffSeconds(n, retry))).toEqual([10, 20, 40, 80, 160, 240, 300, 300]);
  });

  it("when both maxAttempts and maxRetrySeconds are set, then retries stop only once both are reached", () => {
    const timed = { ...retry, maxAttempts: 3, maxRetrySeconds: 60 };

    expect(retryAllowed({ ...retry, maxAttempts: 3 }, 2, 1_000)).toBe(true);
    expect(retryAllowed({ ...retry, maxAttempts: 3 }, 3, 0)).toBe(false);
    expect(retryAllowed(timed, 5, 30)).toBe(true); // attempts spent, time left
    expect(retryAllowed(timed, 2, 90)).toBe(true); // time spent, attempts left
    expect(retryAllowed(timed, 3, 60)).toBe(false);
    expect(retryAllowed({ ...retry, maxAttempts: -1 }, 1_000, 1e9)).toBe(true);
    expect(retryAllowed({ ...retry, maxAttempts: -1, maxRetrySeconds: 60 }, 1_000, 60)).toBe(false);
  });
});
