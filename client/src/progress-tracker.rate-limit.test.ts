/**
 * The ProgressTracker against the server's own per-user limit of saveProgress (functions/src/rate-limit.ts): the
 * limit must leave ordinary viewing alone, seek-heavy viewing included, and a tracker that does hit it must lose
 * nothing.
 */
import { FunctionsError } from "firebase/functions";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RATE_LIMITS, RateLimiter } from "../../functions/src/rate-limit.js";
import type { SaveProgressRequest as Ping } from "./api.js";
import { ProgressTracker } from "./progress-tracker.js";

/** A fast connection: the shorter the round trip, the more pings a burst of seeks can send. */
const ROUND_TRIP_MS = 20;

/** A `save` that goes through saveProgress's limiter, on the fake clock, answering after a round trip. */
function limitedServer() {
  const limiter = new RateLimiter(RATE_LIMITS.saveProgress, { now: () => Date.now() });
  const acked: Ping[] = [];
  let refused = 0;
  const save = async (ping: Ping) => {
    await new Promise((resolve) => setTimeout(resolve, ROUND_TRIP_MS));
    if (!limiter.take("viewer").allowed) {
      refused++;
      throw new FunctionsError("resource-exhausted", "Too many requests; retry later");
    }
    acked.push(ping);
    return { message: "synced" };
  };
  return { save, acked, refused: () => refused };
}

const tracker = (save: (ping: Ping) => Promise<unknown>) =>
  new ProgressTracker({ courseId: "course-1", lectureId: "lecture-1", duration: 3_600, save, random: () => 0 });

/** Plays on for `ms`, reporting the position every 250 ms as a player's timeupdate does; returns the position. */
async function playFor(player: ProgressTracker, ms: number): Promise<number> {
  for (let elapsed = 0; elapsed < ms; elapsed += 250) {
    await vi.advanceTimersByTimeAsync(250);
    player.timeUpdate(player.lastPosition + 0.25);
  }
  return player.lastPosition;
}

/** Drags the scrubber: a `seeking` event every `everyMs`, `count` times, moving 7 s each time. */
async function scrub(player: ProgressTracker, count: number, everyMs: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    player.seek(player.lastPosition, (player.lastPosition + 7) % 3_500);
    await vi.advanceTimersByTimeAsync(everyMs);
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the ProgressTracker under saveProgress's rate limit", () => {
  it("when a viewer seeks every second for half an hour, then no ping is refused", async () => {
    const server = limitedServer();
    const player = tracker(server.save);
    player.play(0);
    for (let second = 0; second < 1_800; second++) {
      await playFor(player, 1_000);
      player.seek(player.lastPosition, (player.lastPosition * 7) % 3_500);
    }
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.refused()).toBe(0);
    expect(server.acked.length).toBeGreaterThanOrEqual(1_800);
  });

  it("when a viewer pauses and plays every two seconds for ten minutes, then no ping is refused", async () => {
    const server = limitedServer();
    const player = tracker(server.save);
    for (let i = 0; i < 300; i++) {
      player.play(player.lastPosition);
      const position = await playFor(player, 1_000);
      player.pause(position);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(server.refused()).toBe(0);
    expect(server.acked.length).toBe(300);
  });

  it("when a viewer drags the scrubber for 2.5 s (a seek every 50 ms) every two minutes, then no ping is refused", async () => {
    const server = limitedServer();
    const player = tracker(server.save);
    player.play(0);
    for (let round = 0; round < 10; round++) {
      await scrub(player, 50, 50);
      await playFor(player, 120_000);
    }
    expect(server.refused()).toBe(0);
    expect(server.acked.length).toBeGreaterThan(10 * 50);
  });

  it("when scrubbing goes past the burst, then the tracker backs off and the last state is still acknowledged", async () => {
    const server = limitedServer();
    const player = tracker(server.save);
    player.play(0);
    await scrub(player, 200, 30);
    player.pause(player.lastPosition);
    await vi.advanceTimersByTimeAsync(120_000);

    expect(server.refused()).toBeGreaterThan(0);
    expect(server.acked.at(-1)).toEqual(player.snapshot());
  });
});
