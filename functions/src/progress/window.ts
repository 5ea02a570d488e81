/**
 * Flush windows. Pings are grouped by the window of the server time at which they were acknowledged
 * (window = floor(time / length)); the flush drains only windows that closed a grace period ago, so a ping that
 * was acknowledged just before a boundary has landed in Redis before its window is drained.
 */

/** The default window: the flush runs every 5 minutes (FLUSH_SCHEDULE). */
export const DEFAULT_WINDOW_MS = 5 * 60_000;

/**
 * How long after its end a window is still left alone. A ping's HSET is sent within the client's 500 ms timeout
 * (adapters/upstash.ts) and normally applied well within it; 10 s also covers a late one and clock skew between
 * function instances.
 */
export const FLUSH_GRACE_MS = 10_000;

export function windowOf(timeMs: number, windowMs = DEFAULT_WINDOW_MS): number {
  return Math.floor(timeMs / windowMs);
}

export function windowStartMs(window: number, windowMs = DEFAULT_WINDOW_MS): number {
  return window * windowMs;
}

/** A window may be drained (its fields deleted, its dirty set emptied) once it closed at least `graceMs` ago. */
export function isDrainable(window: number, nowMs: number, windowMs = DEFAULT_WINDOW_MS, graceMs = FLUSH_GRACE_MS): boolean {
  return windowStartMs(window + 1, windowMs) + graceMs <= nowMs;
}

/**
 * The window length follows the flush schedule, so that one scheduled run drains one window:
 * "every N minutes" / "every N hours"; a crontab schedule keeps the default.
 */
export function windowMsOfSchedule(schedule: string): number {
  const match = /^every (\d+) (minute|hour)s?$/i.exec(schedule.trim());
  if (!match) return DEFAULT_WINDOW_MS;
  const unitMs = match[2]?.toLowerCase() === "hour" ? 3_600_000 : 60_000;
  return Math.max(1, Number(match[1])) * unitMs;
}
