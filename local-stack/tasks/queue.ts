/**
 * One Cloud Tasks queue: it holds each task until its schedule time, starts attempts within the queue's rate limits
 * (a token bucket refilled at maxDispatchesPerSecond; at most maxConcurrentDispatches in flight) and retries a failed
 * attempt after its backoff until the retry policy is spent, as Cloud Tasks does. Delivering an attempt is `dispatch`'s.
 */
import { backoffSeconds, retryAllowed, type QueueConfig } from "./config.ts";

export interface QueuedTask {
  /** The task's short name, the last segment of `name`: its id. */
  id: string;
  /** projects/{project}/locations/{location}/queues/{queue}/tasks/{id} */
  name: string;
  /** The HTTP body to post, as enqueued (firebase-admin's `{"data": …}`). */
  body: Buffer<ArrayBuffer>;
  headers: Record<string, string>;
  oidcToken?: { serviceAccountEmail: string; audience?: string };
  /** When the first attempt may start, in ms since the epoch. */
  scheduleTime: number;
  dispatchDeadlineMs: number;
}

/** One attempt, with what Cloud Tasks tells the handler of the task's past (its X-CloudTasks-* headers). */
export interface Attempt {
  task: QueuedTask;
  /** Attempts before this one. */
  retryCount: number;
  /** Earlier attempts the handler answered, 5xx answers left out. */
  executionCount: number;
  /** The HTTP status of the previous attempt, if it got one. */
  previousResponse?: number;
  /** When this attempt was due, in ms since the epoch. */
  eta: number;
}

/** An attempt's outcome: the handler's HTTP status, or why no answer came (deadline, connection). */
export type AttemptResult = { status: number } | { error: string };
export type Dispatch = (attempt: Attempt) => Promise<AttemptResult>;

export interface TaskQueueStats {
  enqueued: number;
  /** Attempts started. */
  dispatched: number;
  succeeded: number;
  /** Attempts that failed: an answer other than 2xx, or none. */
  failed: number;
  retried: number;
  /** Tasks dropped once their retry policy was spent. */
  exhausted: number;
  deleted: number;
  inFlight: number;
  /** Tasks waiting for their schedule time, a retry, a token or a free slot. */
  pending: number;
  maxConcurrentSeen: number;
}

export interface TaskQueue {
  /** False when the name is taken: a task of that name is queued, or finished or was deleted within the hour. */
  add(task: QueuedTask): boolean;
  /** Deletes a task that has not finished (one in flight gets no retry); false when there is none of that name. */
  remove(name: string): boolean;
  stats(): TaskQueueStats;
  /** Zeroes the counters; inFlight and pending are states, not counters. */
  resetStats(): void;
  isIdle(): boolean;
  /** No attempt running and no task due within `withinMs` (a task scheduled later does not count). */
  isSettled(withinMs: number): boolean;
  /** Resolves when no task waits and none is in flight. */
  idle(): Promise<void>;
  /** Drops the waiting tasks and the timer; resolves once the attempts in flight have ended. */
  stop(): Promise<void>;
}

export interface TaskQueueOptions {
  config: QueueConfig;
  dispatch: Dispatch;
  /** Multiplies every backoff and maxRetrySeconds. @default 1 */
  backoffScale?: number;
  log?: (line: string) => void;
}

/** Cloud Tasks refuses a task's name for about an hour after the task finished or was deleted (task de-duplication). */
const NAME_REUSE_MS = 60 * 60 * 1000;
/** Cloud Tasks' ceiling on a queue's burst (RateLimits.max_burst_size); below it, the bucket holds one second of tokens. */
const MAX_BURST = 500;

interface Entry {
  task: QueuedTask;
  attempts: number;
  executions: number;
  previousResponse?: number;
  firstAttemptAt?: number;
  dueAt: number;
  seq: number;
  deleted?: boolean;
}

type Counter = Exclude<keyof TaskQueueStats, "inFlight" | "pending" | "maxConcurrentSeen">;

export function createTaskQueue(options: TaskQueueOptions): TaskQueue {
  const { dispatch, log = () => undefined } = options;
  const scale = options.backoffScale ?? 1;
  const base = options.config.retryConfig;
  const retry = { ...base, minBackoffSeconds: base.minBackoffSeconds * scale, maxBackoffSeconds: base.maxBackoffSeconds * scale, maxRetrySeconds: base.maxRetrySeconds * scale };
  const { maxConcurrentDispatches, maxDispatchesPerSecond: rate } = options.config.rateLimits;
  const burst = Math.min(MAX_BURST, Math.max(1, rate));
  let tokens = burst;
  let refilledAt = Date.now();
  const waiting: Entry[] = []; // by dueAt, then by order of arrival
  const running = new Map<Entry, Promise<void>>();
  const takenUntil = new Map<string, number>(); // task name → when it may be reused (Infinity while the task lives)
  let sweepAt = 1024;
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const counters: Record<Counter, number> = { enqueued: 0, dispatched: 0, succeeded: 0, failed: 0, retried: 0, exhausted: 0, deleted: 0 };
  let maxConcurrentSeen = 0;
  let idleWaiters: Array<() => void> = [];

  const insert = (entry: Entry) => {
    let low = 0;
    let high = waiting.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const other = waiting[mid] as Entry;
      if (other.dueAt < entry.dueAt || (other.dueAt === entry.dueAt && other.seq < entry.seq)) low = mid + 1;
      else high = mid;
    }
    waiting.splice(low, 0, entry);
  };
  const release = (entry: Entry) => void takenUntil.set(entry.task.name, Date.now() + NAME_REUSE_MS);
  const isIdle = () => waiting.length === 0 && running.size === 0;
  const settleIdle = () => {
    if (!isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const pump = () => {
    clearTimeout(timer);
    timer = undefined;
    if (stopped) return;
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * rate);
    refilledAt = now;
    while (running.size < maxConcurrentDispatches && tokens >= 1 && waiting[0] && waiting[0].dueAt <= now) {
      tokens -= 1;
      start(waiting.shift() as Entry);
    }
    const next = waiting[0];
    if (!next || (next.dueAt <= now && running.size >= maxConcurrentDispatches)) return; // an attempt's end pumps again
    const tokenWaitMs = tokens >= 1 ? 0 : ((1 - tokens) / rate) * 1000;
    timer = setTimeout(pump, Math.max(next.dueAt - now, tokenWaitMs, 1));
    timer.unref();
  };

  const start = (entry: Entry) => {
    const retryCount = entry.attempts++;
    entry.firstAttemptAt ??= Date.now();
    counters.dispatched++;
    const attempt: Attempt = { task: entry.task, retryCount, executionCount: entry.executions, eta: entry.dueAt };
    if (entry.previousResponse !== undefined) attempt.previousResponse = entry.previousResponse;
    const run = dispatch(attempt)
      .catch((error: unknown) => ({ error: String(error) }))
      .then((result) => {
        running.delete(entry);
        settle(entry, result);
        pump();
        settleIdle();
      });
    running.set(entry, run);
    maxConcurrentSeen = Math.max(maxConcurrentSeen, running.size);
  };

  const settle = (entry: Entry, result: AttemptResult) => {
    if ("status" in result && result.status >= 200 && result.status < 300) {
      counters.succeeded++;
      return release(entry);
    }
    counters.failed++;
    if ("status" in result) {
      entry.previousResponse = result.status;
      if (result.status < 500) entry.executions++; // X-CloudTasks-TaskExecutionCount leaves 5xx answers out
    }
    const { id } = entry.task;
    const outcome = "status" in result ? `HTTP ${result.status}` : result.error;
    if (entry.deleted || stopped) return release(entry);
    const elapsedSeconds = (Date.now() - (entry.firstAttemptAt as number)) / 1000;
    if (!retryAllowed(retry, entry.attempts, elapsedSeconds)) {
      counters.exhausted++;
      log(`task ${id}: attempt ${entry.attempts} failed (${outcome}); retries exhausted, task dropped`);
      return release(entry);
    }
    counters.retried++;
    const delaySeconds = backoffSeconds(entry.attempts, retry);
    log(`task ${id}: attempt ${entry.attempts} failed (${outcome}); retrying in ${Math.round(delaySeconds * 1000)} ms`);
    entry.dueAt = Date.now() + delaySeconds * 1000;
    insert(entry);
  };

  return {
    add(task) {
      const now = Date.now();
      if ((takenUntil.get(task.name) ?? 0) > now) return false;
      if (takenUntil.size >= sweepAt) {
        for (const [name, until] of takenUntil) if (until <= now) takenUntil.delete(name);
        sweepAt = Math.max(1024, takenUntil.size * 2);
      }
      takenUntil.set(task.name, Infinity);
      counters.enqueued++;
      insert({ task, attempts: 0, executions: 0, dueAt: task.scheduleTime, seq: seq++ });
      pump();
      return true;
    },
    remove(name) {
      const index = waiting.findIndex((entry) => entry.task.name === name);
      const entry = index >= 0 ? waiting.splice(index, 1)[0] : [...running.keys()].find((candidate) => candidate.task.name === name && !candidate.deleted);
      if (!entry) return false;
      counters.deleted++;
      entry.deleted = true;
      if (index >= 0) release(entry);
      pump();
      settleIdle();
      return true;
    },
    stats: () => ({ ...counters, inFlight: running.size, pending: waiting.length, maxConcurrentSeen }),
    resetStats() {
      for (const key of Object.keys(counters) as Counter[]) counters[key] = 0;
      maxConcurrentSeen = running.size;
    },
    isIdle,
    isSettled: (withinMs) => running.size === 0 && !(waiting[0] && waiting[0].dueAt <= Date.now() + withinMs),
    idle: () => (isIdle() ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve))),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      for (const entry of waiting.splice(0)) release(entry);
      await Promise.all(running.values());
      settleIdle();
    },
  };
}
