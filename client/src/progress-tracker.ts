/**
 * ProgressTracker: turns a video player's events into `saveProgress` pings (API.md "Progress").
 *
 * - While playing it pings every `intervalMs` (5 s); pause, seek, end and page hide ping at once.
 * - It keeps the played segments: merged ranges, at most 100, within the duration once known.
 * - At most one ping is in flight. A ping asked for meanwhile waits for the first to settle and then goes once,
 *   carrying the state of that moment (so a burst of seeks costs one ping, not one each).
 * - After `resource-exhausted` or `unavailable` it backs off exponentially (capped, with jitter, never sooner than the
 *   server's `retryAfterMs`) and holds every ping until then; the first success restores the normal cadence. Other errors go to `onError` and are not
 *   retried: the next ping of the cadence carries the same state anyway.
 */
import { callableErrorCode, type SaveProgressRequest } from "./api.js";
import { addSegment, clampSeconds, clampSegments, MAX_SECONDS, type Segment } from "./segments.js";

/** Timers and clock, injectable for tests (vitest's fake timers also replace the defaults). */
export interface TrackerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface BackoffOptions {
  /** First delay after a throttled ping. @default intervalMs */
  baseMs?: number;
  /** Longest delay. @default 60_000 */
  maxMs?: number;
  /** Share of each delay that is random: the delay is `d × (1 − jitter × random())`. @default 0.5 */
  jitter?: number;
}

export interface ProgressTrackerOptions {
  courseId: string;
  lectureId: string;
  /** Seconds; may also be set later with `setDuration` (a video knows it once its metadata has loaded). */
  duration?: number;
  /** Sends one ping: the typed client's `saveProgress`. */
  save: (ping: SaveProgressRequest) => Promise<unknown>;
  /** @default 5000 (API.md: the 5-second ping) */
  intervalMs?: number;
  backoff?: BackoffOptions;
  /** A ping failed. `retryInMs` is the backoff delay when the tracker retries, `null` when it does not. */
  onError?: (error: unknown, info: { ping: SaveProgressRequest; retryInMs: number | null }) => void;
  /** A ping was acknowledged. */
  onSaved?: (ping: SaveProgressRequest) => void;
  clock?: TrackerClock;
  /** @default Math.random */
  random?: () => number;
}

/** Codes that mean "later": the server sheds load or a dependency is down (STYLE rule 8). */
const RETRYABLE = new Set(["resource-exhausted", "unavailable"]);
const DEFAULT_INTERVAL_MS = 5_000;
const DEFAULT_MAX_BACKOFF_MS = 60_000;
const DEFAULT_JITTER = 0.5;
/**
 * A `timeUpdate` further ahead than this (playback rate × elapsed wall time + slack) or behind the last position
 * is a jump the player made without a seek event: the played range ends there instead of spanning the jump.
 */
const MAX_PLAYBACK_RATE = 4;
const JUMP_SLACK_SECONDS = 1;

const systemClock: TrackerClock = {
  now: () => Date.now(),
  // Looked up at each call, so fake timers installed after this module loaded still apply.
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

export class ProgressTracker {
  private readonly courseId: string;
  private readonly lectureId: string;
  private duration: number | undefined;
  private readonly save: ProgressTrackerOptions["save"];
  private readonly intervalMs: number;
  private readonly backoff: Required<BackoffOptions>;
  private readonly onError: ProgressTrackerOptions["onError"];
  private readonly onSaved: ProgressTrackerOptions["onSaved"];
  private readonly clock: TrackerClock;
  private readonly random: () => number;

  private position = 0;
  private lastUpdateAt = 0;
  /** Where the range being played started; `null` while not playing. */
  private runStart: number | null = null;
  private segments: Segment[] = [];

  private cadenceTimer: unknown = null;
  private retryTimer: unknown = null;
  private inFlight = false;
  private queued = false;
  private failures = 0;
  private retryAt = 0;
  private disposed = false;

  constructor(options: ProgressTrackerOptions) {
    this.courseId = options.courseId;
    this.lectureId = options.lectureId;
    this.save = options.save;
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.backoff = {
      baseMs: options.backoff?.baseMs ?? this.intervalMs,
      maxMs: options.backoff?.maxMs ?? DEFAULT_MAX_BACKOFF_MS,
      jitter: options.backoff?.jitter ?? DEFAULT_JITTER,
    };
    this.onError = options.onError;
    this.onSaved = options.onSaved;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    if (options.duration !== undefined) this.setDuration(options.duration);
  }

  /** The merged ranges played so far, the one being played included. */
  get playedSegments(): Segment[] {
    return this.runStart === null ? [...this.segments] : addSegment(this.segments, this.runStart, this.position, this.limit());
  }

  /** The last position reported (seconds): where a `seek` starts from when the player has already moved. */
  get lastPosition(): number {
    return this.position;
  }

  get playing(): boolean {
    return this.runStart !== null;
  }

  /** The lecture's length in seconds, once the player knows it; ignored unless finite and positive. */
  setDuration(duration: number): void {
    if (!Number.isFinite(duration) || duration <= 0) return;
    this.duration = Math.min(duration, MAX_SECONDS);
    this.segments = clampSegments(this.segments, this.duration);
    this.position = clampSeconds(this.position, this.duration);
  }

  play(position: number): void {
    if (this.disposed) return;
    if (this.playing) return this.timeUpdate(position);
    this.moveTo(position);
    this.runStart = this.position;
    this.scheduleCadence();
  }

  /** The player's position as it plays (`timeupdate`). */
  timeUpdate(position: number): void {
    if (this.disposed || !Number.isFinite(position)) return;
    const next = clampSeconds(position, this.limit());
    const elapsedSeconds = (this.clock.now() - this.lastUpdateAt) / 1000;
    const jumped = next < this.position || next - this.position > elapsedSeconds * MAX_PLAYBACK_RATE + JUMP_SLACK_SECONDS;
    if (this.playing && jumped) {
      this.closeRun();
      this.runStart = next;
    }
    this.moveTo(next);
  }

  pause(position: number): void {
    if (this.disposed) return;
    this.timeUpdate(position);
    this.stopPlaying();
    this.requestPing();
  }

  /** A seek from `from` (where playback was) to `to`. */
  seek(from: number, to: number): void {
    if (this.disposed) return;
    this.timeUpdate(from);
    if (this.playing) {
      this.closeRun();
      this.moveTo(to);
      this.runStart = this.position;
    } else {
      this.moveTo(to);
    }
    this.requestPing();
  }

  end(position: number): void {
    this.pause(position);
  }

  /** The page is being hidden or left (`visibilitychange` → hidden, `pagehide`): send what there is now. */
  pageHide(): void {
    if (this.disposed) return;
    this.requestPing();
  }

  /** Stops every timer; a ping in flight settles, nothing else is sent. */
  dispose(): void {
    this.disposed = true;
    this.clearCadence();
    this.clearRetry();
    this.queued = false;
  }

  /** The ping as it would be sent now. */
  snapshot(): SaveProgressRequest {
    const playedSegments = this.playedSegments;
    return {
      courseId: this.courseId,
      lectureId: this.lectureId,
      position: this.position,
      ...(this.duration !== undefined ? { duration: this.duration } : {}),
      ...(playedSegments.length > 0 ? { playedSegments } : {}),
    };
  }

  private limit(): number {
    return this.duration ?? MAX_SECONDS;
  }

  private moveTo(position: number): void {
    if (Number.isFinite(position)) this.position = clampSeconds(position, this.limit());
    this.lastUpdateAt = this.clock.now();
  }

  private closeRun(): void {
    if (this.runStart !== null) this.segments = addSegment(this.segments, this.runStart, this.position, this.limit());
    this.runStart = null;
  }

  private stopPlaying(): void {
    this.closeRun();
    this.clearCadence();
  }

  private scheduleCadence(): void {
    this.clearCadence();
    this.cadenceTimer = this.clock.setTimeout(() => {
      this.cadenceTimer = null;
      if (!this.playing || this.disposed) return;
      this.requestPing();
      this.scheduleCadence();
    }, this.intervalMs);
  }

  private clearCadence(): void {
    if (this.cadenceTimer !== null) this.clock.clearTimeout(this.cadenceTimer);
    this.cadenceTimer = null;
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private requestPing(): void {
    if (this.disposed) return;
    if (this.inFlight || this.clock.now() < this.retryAt) {
      this.queued = true;
      return;
    }
    this.send();
  }

  private send(): void {
    const ping = this.snapshot();
    this.inFlight = true;
    this.queued = false;
    // The next periodic ping is an interval after this one, whatever sent it (a seek, a retry): no double pings.
    if (this.playing) this.scheduleCadence();
    this.save(ping).then(
      () => this.settled(ping, null),
      (error: unknown) => this.settled(ping, error),
    );
  }

  private settled(ping: SaveProgressRequest, error: unknown): void {
    this.inFlight = false;
    if (error === null) {
      this.failures = 0;
      this.retryAt = 0;
      this.onSaved?.(ping);
    } else if (RETRYABLE.has(callableErrorCode(error) ?? "")) {
      // The server's own hint (a shed ping's retryAfterMs) is a floor: the jittered backoff never comes back sooner.
      const delay = Math.max(this.backoffDelay(++this.failures), retryAfterMsOf(error));
      this.retryAt = this.clock.now() + delay;
      this.queued = true; // the throttled state goes again, with whatever came since
      this.onError?.(error, { ping, retryInMs: delay });
      this.clearRetry();
      this.retryTimer = this.clock.setTimeout(() => {
        this.retryTimer = null;
        if (this.queued) this.requestPing();
      }, delay);
      return;
    } else {
      this.onError?.(error, { ping, retryInMs: null });
    }
    if (this.queued) this.requestPing();
  }

  private backoffDelay(failures: number): number {
    const delay = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (failures - 1));
    return Math.round(delay * (1 - this.backoff.jitter * this.random()));
  }
}

/** `details.retryAfterMs` of a refusal (API.md: rate limits and shed pings), or 0. */
function retryAfterMsOf(error: unknown): number {
  const hint = (error as { details?: { retryAfterMs?: unknown } } | null)?.details?.retryAfterMs;
  return typeof hint === "number" && Number.isFinite(hint) && hint > 0 ? Math.min(hint, DEFAULT_MAX_BACKOFF_MS) : 0;
}
