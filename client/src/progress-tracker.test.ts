import { FunctionsError } from "firebase/functions";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SaveProgressRequest } from "../../functions/src/schemas/progress.js";
import type { SaveProgressRequest as Ping } from "./api.js";
import { ProgressTracker, type ProgressTrackerOptions } from "./progress-tracker.js";

/** A `save` that records each ping and the time it was sent, answering as `answer` says. */
function recorder(answer: (ping: Ping, index: number) => Promise<unknown> = () => Promise.resolve({ message: "synced" })) {
  const sent: { ping: Ping; at: number }[] = [];
  const save = vi.fn((ping: Ping) => {
    sent.push({ ping, at: Date.now() });
    return answer(ping, sent.length - 1);
  });
  return { sent, save };
}

function tracker(save: ProgressTrackerOptions["save"], options: Partial<ProgressTrackerOptions> = {}) {
  return new ProgressTracker({ courseId: "course-1", lectureId: "lecture-1", duration: 300, save, random: () => 0, ...options });
}

/** Plays from `from` for `seconds`, reporting the position every 250 ms as a player's timeupdate does. */
async function playFor(player: ProgressTracker, from: number, seconds: number): Promise<number> {
  let position = from;
  for (let step = 0; step < seconds * 4; step++) {
    await vi.advanceTimersByTimeAsync(250);
    position += 0.25;
    player.timeUpdate(position);
  }
  return position;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("ProgressTracker cadence", () => {
  it("when playing, then it pings every interval and stops when paused", async () => {
    const { sent, save } = recorder();
    const player = tracker(save);

    player.play(0);
    const position = await playFor(player, 0, 16);
    player.pause(position);
    await vi.advanceTimersByTimeAsync(20_000);

    expect(sent.map((entry) => entry.at - 1_000_000)).toEqual([5_000, 10_000, 15_000, 16_000]);
    expect(sent.at(-1)?.ping).toMatchObject({ position: 16, playedSegments: [[0, 16]] });
  });

  it("when paused, seeking, ending or hiding the page, then it pings at once", async () => {
    const { sent, save } = recorder();
    const player = tracker(save);
    player.play(10);
    await playFor(player, 10, 2);

    player.pause(12);
    await vi.advanceTimersByTimeAsync(0);
    player.seek(12, 100);
    await vi.advanceTimersByTimeAsync(0);
    player.play(100);
    await playFor(player, 100, 1);
    player.pageHide();
    await vi.advanceTimersByTimeAsync(0);
    player.end(101);
    await vi.advanceTimersByTimeAsync(0);

    expect(sent.map((entry) => entry.ping.position)).toEqual([12, 100, 101, 101]);
    expect(sent.every((entry) => entry.at - 1_000_000 < 5_000)).toBe(true);
  });

  it("when disposed, then nothing more is sent", async () => {
    const { sent, save } = recorder();
    const player = tracker(save);
    player.play(0);
    player.dispose();
    await vi.advanceTimersByTimeAsync(30_000);
    player.pause(3);
    expect(sent).toEqual([]);
  });
});

describe("ProgressTracker segments", () => {
  it("when the viewer seeks back and forth, then the played ranges are merged", async () => {
    const { sent, save } = recorder();
    const player = tracker(save);

    player.play(0);
    await playFor(player, 0, 10); // [0, 10]
    player.seek(10, 50);
    await playFor(player, 50, 5); // [50, 55]
    player.seek(55, 5);
    await playFor(player, 5, 10); // [5, 15] joins [0, 10]
    player.seek(15, 52);
    await playFor(player, 52, 8); // [52, 60] joins [50, 55]
    player.pause(60);
    await vi.advanceTimersByTimeAsync(0);

    expect(player.playedSegments).toEqual([
      [0, 15],
      [50, 60],
    ]);
    expect(sent.at(-1)?.ping.playedSegments).toEqual(player.playedSegments);
  });

  it("when the player jumps without a seek event, then the range does not span the jump", async () => {
    const player = tracker(recorder().save);
    player.play(0);
    await playFor(player, 0, 4);
    await vi.advanceTimersByTimeAsync(250);
    player.timeUpdate(200);
    await playFor(player, 200, 2);
    expect(player.playedSegments).toEqual([
      [0, 4],
      [200, 202],
    ]);
  });

  it("when more than 100 ranges are played, then a ping carries 100, within the duration", async () => {
    const { sent, save } = recorder();
    const player = tracker(save, { duration: 500 });
    for (let start = 0; start < 480; start += 4) {
      player.play(start);
      await playFor(player, start, 1);
      player.pause(start + 1);
    }
    player.seek(481, 499);
    player.play(499);
    await playFor(player, 499, 3); // runs past the end: clamped to 500

    expect(player.playedSegments).toHaveLength(100);
    expect(player.playedSegments.at(-1)).toEqual([499, 500]);
    for (const { ping } of sent) expect(SaveProgressRequest.safeParse(ping).error).toBeUndefined();
  });

  it("when the duration is learned later, then segments and position are cut to it", async () => {
    const player = tracker(recorder().save, { duration: undefined });
    player.play(0);
    await playFor(player, 0, 12);
    player.pause(12);
    player.setDuration(10);
    expect(player.snapshot()).toEqual({ courseId: "course-1", lectureId: "lecture-1", position: 10, duration: 10, playedSegments: [[0, 10]] });
  });
});

describe("ProgressTracker in flight", () => {
  it("when save is slow, then there is never a second ping in flight and the waiting one carries the latest state", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { sent, save } = recorder(async () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      inFlight--;
    });
    const player = tracker(save);

    player.play(0);
    await playFor(player, 0, 6); // the cadence ping leaves at 5 s and takes 12 s
    player.seek(6, 40);
    player.seek(40, 80);
    player.pageHide();
    await playFor(player, 80, 3);
    await vi.advanceTimersByTimeAsync(30_000);

    expect(maxInFlight).toBe(1);
    expect(sent[1]?.at).toBe(sent[0]!.at + 12_000); // three requests coalesced into one, sent when the first settled
    expect(sent[1]?.ping.playedSegments).toEqual([
      [0, 6],
      [80, 83],
    ]);
  });
});

describe("ProgressTracker backoff", () => {
  it("when the server answers resource-exhausted or unavailable, then pings wait longer each time and the cadence resumes after a success", async () => {
    const failing = new Set([1, 2, 3]);
    const errors: (number | null)[] = [];
    const { sent, save } = recorder((_ping, index) =>
      failing.has(index)
        ? Promise.reject(new FunctionsError(index === 2 ? "unavailable" : "resource-exhausted", "slow down"))
        : Promise.resolve({ message: "synced" }),
    );
    const player = tracker(save, { onError: (_error, info) => errors.push(info.retryInMs), backoff: { maxMs: 60_000 } });

    player.play(0);
    await playFor(player, 0, 120);

    const gaps = sent.slice(1, 7).map((entry, index) => entry.at - sent[index]!.at);
    expect(errors).toEqual([5_000, 10_000, 20_000]);
    expect(gaps).toEqual([5_000, 5_000, 10_000, 20_000, 5_000, 5_000]);
  });

  it("when backing off, then the delay is capped and jittered below it", async () => {
    const delays: (number | null)[] = [];
    const save = () => Promise.reject(new FunctionsError("resource-exhausted", "slow down"));
    const player = tracker(save, { random: () => 0.5, backoff: { baseMs: 1_000, maxMs: 8_000, jitter: 0.5 }, onError: (_e, info) => delays.push(info.retryInMs) });

    player.play(0);
    await playFor(player, 0, 60);

    expect(delays.slice(0, 6)).toEqual([750, 1_500, 3_000, 6_000, 6_000, 6_000]);
  });

  it("when the server says when to retry (a shed ping's retryAfterMs), then the tracker waits at least that long", async () => {
    const delays: (number | null)[] = [];
    const shed = () => Promise.reject(new FunctionsError("resource-exhausted", "busy", { retryAfterMs: 7_000 }));
    const player = tracker(shed, { random: () => 1, backoff: { baseMs: 1_000, maxMs: 60_000, jitter: 0.5 }, onError: (_e, info) => delays.push(info.retryInMs) });

    player.play(0);
    await playFor(player, 0, 45);

    // The backoff alone would be 500, 1,000, 2,000, 4,000, 8,000: the hint is the floor until the backoff passes it.
    expect(delays.slice(0, 5)).toEqual([7_000, 7_000, 7_000, 7_000, 8_000]);
  });

  it("when a ping fails for another reason, then onError hears it and nothing is retried before the next interval", async () => {
    const errors: unknown[] = [];
    const { sent, save } = recorder(() => Promise.reject(new FunctionsError("permission-denied", "no")));
    const player = tracker(save, { onError: (error, info) => errors.push([(error as FunctionsError).code, info.retryInMs]) });

    player.play(0);
    await playFor(player, 0, 11);

    expect(sent.map((entry) => entry.at - 1_000_000)).toEqual([5_000, 10_000]);
    expect(errors).toEqual([
      ["functions/permission-denied", null],
      ["functions/permission-denied", null],
    ]);
  });
});

describe("ProgressTracker payloads", () => {
  it("when a session plays, seeks and pauses, then every ping passes the product's SaveProgressRequest schema", async () => {
    const { sent, save } = recorder();
    const player = tracker(save, { duration: 120 });
    player.play(0);
    await playFor(player, 0, 12);
    player.seek(12, 110);
    await playFor(player, 110, 15);
    player.end(120);
    await vi.advanceTimersByTimeAsync(0);

    expect(sent.length).toBeGreaterThan(2);
    for (const { ping } of sent) expect(SaveProgressRequest.safeParse(ping).error).toBeUndefined();
    expect(sent.at(-1)?.ping).toEqual({ courseId: "course-1", lectureId: "lecture-1", position: 120, duration: 120, playedSegments: [[0, 12], [110, 120]] });
  });
});
