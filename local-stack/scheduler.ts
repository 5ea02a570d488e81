/**
 * Runs every exported onSchedule function on a timer, as Cloud Scheduler would, one run at a time per function.
 * The interval comes from the schedule ("every N minutes"), or is set for tests.
 */
import type { FunctionExport } from "./functions-module.ts";

export interface Scheduler {
  /** Runs one scheduled function now and resolves when it finishes (what `gcloud scheduler jobs run` does). */
  runNow(name: string): Promise<void>;
  stats(): Record<string, { runs: number; failures: number }>;
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  schedules: Map<string, FunctionExport>;
  /** Overrides every job's interval; 0 or undefined uses each job's own schedule. */
  intervalMs?: number;
  /** Start the timers (false: only runNow). */
  timers?: boolean;
  log?: (line: string) => void;
}

/** Cloud Scheduler's unix-cron resolution: a job fires at most once a minute. */
const DEFAULT_INTERVAL_MS = 60_000;

export function startScheduler(options: SchedulerOptions): Scheduler {
  const log = options.log ?? ((line) => console.error(line));
  const running = new Map<string, Promise<void>>();
  const stats: Record<string, { runs: number; failures: number }> = {};
  const timers: NodeJS.Timeout[] = [];

  const runNow = (name: string): Promise<void> => {
    const fn = options.schedules.get(name);
    if (!fn?.run) return Promise.reject(new Error(`No scheduled function ${name}`));
    const current = running.get(name);
    if (current) return current; // Cloud Scheduler does not overlap attempts of one job
    const entry = (stats[name] ??= { runs: 0, failures: 0 });
    const run = Promise.resolve()
      .then(() => fn.run?.({ scheduleTime: new Date().toISOString(), jobName: `local-${name}` }))
      .then(
        () => void entry.runs++,
        (error: unknown) => {
          entry.runs++;
          entry.failures++;
          log(`schedule ${name} failed: ${error instanceof Error ? error.stack : String(error)}`);
        },
      )
      .finally(() => running.delete(name));
    running.set(name, run);
    return run;
  };

  if (options.timers !== false) {
    for (const [name, fn] of options.schedules) {
      const interval = options.intervalMs || intervalOf(fn.__endpoint?.scheduleTrigger?.schedule);
      const timer = setInterval(() => void runNow(name), interval);
      timer.unref();
      timers.push(timer);
    }
  }

  return {
    runNow,
    stats: () => structuredClone(stats),
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all([...running.values()]);
    },
  };
}

/**
 * "every 5 minutes" / "every 1 hours" (App Engine syntax), also through a param (`{{ params.FLUSH_SCHEDULE }}` in the
 * manifest, read from the env as at run time); anything else (crontab) runs once a minute locally.
 */
export function intervalOf(schedule: unknown, env: NodeJS.ProcessEnv = process.env): number {
  const param = typeof schedule === "string" ? /^\{\{ params\.(\w+) \}\}$/.exec(schedule.trim()) : null;
  const text = param ? env[param[1] as string] : schedule;
  const match = typeof text === "string" ? /^every (\d+) (minute|hour)s?$/i.exec(text.trim()) : null;
  if (!match) return DEFAULT_INTERVAL_MS;
  const unit = match[2]?.toLowerCase() === "hour" ? 3_600_000 : 60_000;
  return Number(match[1]) * unit;
}
