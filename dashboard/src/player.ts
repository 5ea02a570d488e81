/**
 * A simulated video player over the demo lectures (no media file needed) and the progress pings it sends.
 *
 * The pinging follows the ProgressTracker contract of issue 7: every 5 s while playing and on pause, end, lecture
 * switch and page hide; the played segments are kept and sent; never two pings in flight (the latest state goes
 * once the one in flight answers); `resource-exhausted`/`unavailable` back off. When client/src/progress-tracker.ts
 * lands, it replaces `PingScheduler` here.
 */
import { CallableError } from "./callables.ts";

/** API.md: the player pings every 5 seconds while playing. */
export const PING_INTERVAL_MS = 5_000;
/** The simulated clock ticks this often; the bar moves smoothly and the position is exact to the tick. */
const TICK_MS = 250;
const MAX_BACKOFF_MS = 60_000;

export interface Lecture {
  id: string;
  title: string;
  durationSec: number;
}

export interface PingState {
  lectureId: string;
  position: number;
  duration: number;
  playedSegments: Array<[number, number]>;
}

export type SendPing = (state: PingState) => Promise<void>;

/** Merges overlapping or touching [start, end] ranges (the union the backend keeps as well). */
export function mergeSegments(segments: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const sorted = segments.filter(([s, e]) => e > s).map(([s, e]): [number, number] => [s, e]).sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of sorted) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** Sends the latest state, one ping at a time, backing off when the backend sheds load. */
export class PingScheduler {
  private inFlight = false;
  private queued: PingState | undefined;
  private backoffMs = 0;
  private notBefore = 0;
  sent = 0;
  failed = 0;
  lastError: string | null = null;

  private readonly send: SendPing;
  private readonly onChange: () => void;

  constructor(send: SendPing, onChange: () => void) {
    this.send = send;
    this.onChange = onChange;
  }

  ping(state: PingState): void {
    this.queued = state;
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.inFlight || !this.queued || Date.now() < this.notBefore) return;
    const state = this.queued;
    this.queued = undefined;
    this.inFlight = true;
    try {
      await this.send(state);
      this.sent++;
      this.backoffMs = 0;
      this.lastError = null;
    } catch (error) {
      this.failed++;
      this.lastError = error instanceof Error ? error.message : String(error);
      if (error instanceof CallableError && (error.code === "resource-exhausted" || error.code === "unavailable")) {
        this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(PING_INTERVAL_MS, this.backoffMs * 2));
        this.notBefore = Date.now() + this.backoffMs;
        this.queued ??= state;
      }
    } finally {
      this.inFlight = false;
      this.onChange();
    }
    void this.drain();
  }
}

export class SimulatedPlayer {
  lecture: Lecture;
  position = 0;
  playing = false;
  speed = 1;
  private segments: Array<[number, number]> = [];
  private segmentStart: number | null = null;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private lastTick = 0;

  private readonly pings: PingScheduler;
  private readonly onChange: () => void;

  constructor(lecture: Lecture, pings: PingScheduler, onChange: () => void) {
    this.lecture = lecture;
    this.pings = pings;
    this.onChange = onChange;
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden" && this.playing) this.ping();
    });
  }

  get playedSegments(): Array<[number, number]> {
    const open: Array<[number, number]> = this.segmentStart === null ? [] : [[this.segmentStart, this.position]];
    return mergeSegments([...this.segments, ...open]);
  }

  load(lecture: Lecture): void {
    if (this.playing) this.pause();
    this.lecture = lecture;
    this.position = 0;
    this.segments = [];
    this.onChange();
  }

  play(): void {
    if (this.playing) return;
    if (this.position >= this.lecture.durationSec) this.position = 0;
    this.playing = true;
    this.segmentStart = this.position;
    this.lastTick = performance.now();
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.pinger = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.onChange();
  }

  pause(): void {
    if (!this.playing) return;
    this.advance();
    this.playing = false;
    clearInterval(this.ticker);
    clearInterval(this.pinger);
    this.closeSegment();
    this.ping();
    this.onChange();
  }

  private advance(): void {
    const now = performance.now();
    this.position = Math.min(this.lecture.durationSec, this.position + ((now - this.lastTick) / 1000) * this.speed);
    this.lastTick = now;
  }

  private tick(): void {
    this.advance();
    // The end pauses, and the pause pings with the final position.
    if (this.position >= this.lecture.durationSec) this.pause();
    else this.onChange();
  }

  private closeSegment(): void {
    if (this.segmentStart !== null) this.segments = mergeSegments([...this.segments, [this.segmentStart, this.position]]);
    this.segmentStart = null;
  }

  private ping(): void {
    const round = (seconds: number) => Math.round(seconds * 10) / 10;
    this.pings.ping({
      lectureId: this.lecture.id,
      position: round(this.position),
      duration: this.lecture.durationSec,
      playedSegments: mergeSegments(this.playedSegments.map(([s, e]): [number, number] => [round(s), round(e)])).slice(-100),
    });
  }
}
