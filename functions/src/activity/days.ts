/**
 * Local days and streaks, pure. A day is the user's calendar date in their IANA time zone; a streak is a run of
 * consecutive active local days ending at the last active day.
 */

export const DEFAULT_TIMEZONE = "UTC";

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of an instant in a time zone (an unknown zone falls back to UTC). */
export function localDate(timeMs: number, timezone: string = DEFAULT_TIMEZONE): string {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" });
    } catch {
      return localDate(timeMs, DEFAULT_TIMEZONE);
    }
    formatters.set(timezone, formatter);
  }
  return formatter.format(timeMs); // en-CA formats as YYYY-MM-DD
}

/** A user's zones: the current one and those in force before it (UserDoc.timezoneChanges, oldest first). */
export interface ZoneHistory {
  timezone?: string | undefined;
  timezoneChanges?: readonly { timezone: string; until: number }[] | undefined;
}

/**
 * The zone in force at `timeMs`: the first earlier zone that was still in force then, else the current one. So an
 * activity is dated in the zone of its time, whenever it is recorded (an offline client's, up to 7 days late).
 */
export function zoneAt(user: ZoneHistory, timeMs: number): string {
  for (const change of user.timezoneChanges ?? []) if (timeMs < change.until) return change.timezone;
  return user.timezone ?? DEFAULT_TIMEZONE;
}

/** The date `days` after (or before, when negative) a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

export interface StreakState {
  currentStreak: number;
  longestStreak: number;
  lastActiveDate: string | null;
  totalActiveDays: number;
}

/**
 * Counts a newly active day that is not before the last active day (the common case: activity happens now).
 * A day already counted changes nothing. Late days (before lastActiveDate) need the day history: see streakFromDays.
 */
export function withActiveDay(state: StreakState, date: string, dayIsNew: boolean): StreakState {
  if (!dayIsNew) return state;
  const { lastActiveDate } = state;
  const continues = lastActiveDate !== null && addDays(lastActiveDate, 1) === date;
  const isLater = lastActiveDate === null || date > lastActiveDate;
  const currentStreak = isLater ? (continues ? state.currentStreak + 1 : 1) : state.currentStreak;
  return {
    currentStreak,
    longestStreak: Math.max(state.longestStreak, currentStreak),
    lastActiveDate: isLater ? date : lastActiveDate,
    totalActiveDays: state.totalActiveDays + 1,
  };
}

/**
 * The streak after a late day (before lastActiveDate, so at most 7 days back) is counted, given the active days
 * from some way before it up to lastActiveDate. The current streak grows only when the late day sits just before
 * the current run, and then by the run that ends at the late day; the longest never shrinks. Exact for the current
 * streak whatever its length, since it is computed from the stored count, not from the days read.
 */
export function streakAfterLateDay(state: StreakState, lateDay: string, knownDays: ReadonlySet<string>): StreakState {
  if (state.lastActiveDate === null || lateDay >= state.lastActiveDate) return withActiveDay(state, lateDay, true);
  const days = new Set(knownDays).add(lateDay);
  const runStart = addDays(state.lastActiveDate, -(state.currentStreak - 1));
  let currentStreak = state.currentStreak;
  if (addDays(lateDay, 1) === runStart) {
    let before = 0;
    for (let day = lateDay; days.has(day); day = addDays(day, -1)) before++;
    currentStreak += before;
  }
  let longest = Math.max(state.longestStreak, currentStreak);
  let run = 0;
  let previous: string | undefined;
  for (const day of [...days].sort()) {
    run = previous !== undefined && addDays(previous, 1) === day ? run + 1 : 1;
    longest = Math.max(longest, run);
    previous = day;
  }
  return { ...state, currentStreak, longestStreak: longest, totalActiveDays: state.totalActiveDays + 1 };
}

/** The streak a reader should see today: a run that ended before yesterday (local) is over. */
export function liveStreak(currentStreak: number, lastActiveDate: string | null, today: string): number {
  if (lastActiveDate === null) return 0;
  return lastActiveDate >= addDays(today, -1) ? currentStreak : 0;
}
