/**
 * A simulated video player over the demo lectures (no media file needed). It reports to the typed client's
 * ProgressTracker exactly as a `<video>` element's events would (client/src/progress-tracker.ts), so the pings —
 * every 5 s while playing, at once on pause, end and page hide, the played segments, one in flight, backoff on
 * `resource-exhausted`/`unavailable` — are the tracker's, not the dashboard's own.
 */
import { ProgressTracker, type ProgressTrackerOptions } from "../../client/src/progress-tracker.ts";

/** The simulated clock ticks this often (a `<video>` fires `timeupdate` every 250 ms or so). */
const TICK_MS = 250;
/** The tracker takes a faster jump than 4× playback for a seek, so the player goes no faster. */
export const SPEEDS = [1, 2, 4] as const;

export interface Lecture {
  id: string;
  title: string;
  durationSec: number;
}

/** What the tracker of each lecture is made with; the lecture and its duration come from the player. */
export type TrackerOptions = Omit<ProgressTrackerOptions, "lectureId" | "duration">;

export class SimulatedPlayer {
  lecture: Lecture;
  position = 0;
  speed: number = SPEEDS[0];
  private tracker: ProgressTracker;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private lastTick = 0;

  private readonly trackerOptions: TrackerOptions;
  private readonly onChange: () => void;

  constructor(lecture: Lecture, trackerOptions: TrackerOptions, onChange: () => void) {
    this.lecture = lecture;
    this.trackerOptions = trackerOptions;
    this.onChange = onChange;
    this.tracker = this.trackerFor(lecture);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.tracker.pageHide();
    });
    window.addEventListener("pagehide", () => this.tracker.pageHide());
  }

  get playing(): boolean {
    return this.ticker !== undefined;
  }

  load(lecture: Lecture): void {
    this.pause();
    this.tracker.dispose();
    this.lecture = lecture;
    this.position = 0;
    this.tracker = this.trackerFor(lecture);
    this.onChange();
  }

  play(): void {
    if (this.playing) return;
    if (this.position >= this.lecture.durationSec) this.position = 0;
    this.lastTick = performance.now();
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.tracker.play(this.position);
    this.onChange();
  }

  pause(): void {
    if (!this.playing) return;
    this.advance();
    this.stop();
    this.tracker.pause(this.position);
    this.onChange();
  }

  private trackerFor(lecture: Lecture): ProgressTracker {
    return new ProgressTracker({ ...this.trackerOptions, lectureId: lecture.id, duration: lecture.durationSec });
  }

  private stop(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private advance(): void {
    const now = performance.now();
    this.position = Math.min(this.lecture.durationSec, this.position + ((now - this.lastTick) / 1000) * this.speed);
    this.lastTick = now;
  }

  private tick(): void {
    this.advance();
    if (this.position >= this.lecture.durationSec) {
      this.stop();
      this.tracker.end(this.position);
    } else {
      this.tracker.timeUpdate(this.position);
    }
    this.onChange();
  }
}
