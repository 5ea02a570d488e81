import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limit.js";

/** A limiter on a clock the test moves by hand. */
function limiterAt(limit: { perSecond: number; burst: number }, maxEntries?: number) {
  let now = 0;
  const limiter = new RateLimiter(limit, { now: () => now, ...(maxEntries ? { maxEntries } : {}) });
  return { limiter, advance: (ms: number) => void (now += ms) };
}

const allowedOf = (limiter: RateLimiter, key: string, calls: number, scale?: number) =>
  Array.from({ length: calls }, () => limiter.take(key, scale).allowed).filter(Boolean).length;

describe("RateLimiter", () => {
  it("when a new user calls, then the whole burst passes and the next call is refused with the time until a token", () => {
    const { limiter } = limiterAt({ perSecond: 1, burst: 5 });
    expect(allowedOf(limiter, "u1", 5)).toBe(5);
    expect(limiter.take("u1")).toEqual({ allowed: false, retryAfterMs: 1_000 });
  });

  it("when time passes, then tokens come back at the sustained rate and never beyond the burst", () => {
    const { limiter, advance } = limiterAt({ perSecond: 2, burst: 4 });
    allowedOf(limiter, "u1", 4);
    advance(250); // half a token
    expect(limiter.take("u1")).toEqual({ allowed: false, retryAfterMs: 250 });
    advance(250);
    expect(limiter.take("u1").allowed).toBe(true);
    advance(60_000);
    expect(allowedOf(limiter, "u1", 10)).toBe(4);
  });

  it("when a user calls at exactly the sustained rate, then no call is ever refused", () => {
    const { limiter, advance } = limiterAt({ perSecond: 1, burst: 1 });
    for (let i = 0; i < 1_000; i++) {
      expect(limiter.take("u1").allowed).toBe(true);
      advance(1_000);
    }
  });

  it("when one user is refused, then another user still gets a full burst", () => {
    const { limiter } = limiterAt({ perSecond: 1, burst: 3 });
    allowedOf(limiter, "greedy", 10);
    expect(allowedOf(limiter, "other", 3)).toBe(3);
  });

  it("when a refused call is retried at once, then it does not earn tokens (refusals cost nothing, but wait as long)", () => {
    const { limiter, advance } = limiterAt({ perSecond: 1, burst: 1 });
    limiter.take("u1");
    for (let i = 0; i < 9; i++) {
      advance(100);
      limiter.take("u1");
    }
    advance(100);
    expect(limiter.take("u1").allowed).toBe(true); // 1 s after the last allowed call, whatever came between
  });

  it("when a scale is given, then both the rate and the burst are multiplied", () => {
    const { limiter, advance } = limiterAt({ perSecond: 1, burst: 2 });
    expect(allowedOf(limiter, "u1", 10, 3)).toBe(6);
    advance(1_000);
    expect(allowedOf(limiter, "u1", 10, 3)).toBe(3);
  });

  it("when more users call than the limiter tracks, then the least recently seen are forgotten and memory stays bounded", () => {
    const { limiter } = limiterAt({ perSecond: 1, burst: 1 }, 20);
    for (let i = 0; i < 20; i++) limiter.take(`u${i}`);
    limiter.take("u0"); // refused, and now the most recently seen
    limiter.take("new"); // one too many: the oldest go (u1, u2, u3), down to 90% of the cap
    expect(limiter.size).toBe(18);
    expect(limiter.take("u0").allowed).toBe(false); // still remembered
    expect(limiter.take("u4").allowed).toBe(false);
    expect(limiter.take("u3").allowed).toBe(true); // forgotten: fails open
  });

  it("when a flood of distinct users arrives, then the map never grows past its cap", () => {
    const { limiter } = limiterAt({ perSecond: 1, burst: 1 }, 1_000);
    for (let i = 0; i < 50_000; i++) {
      limiter.take(`uid-${i}`);
      expect(limiter.size).toBeLessThanOrEqual(1_000);
    }
    expect(limiter.size).toBeGreaterThanOrEqual(900);
  });

  it("when the clock steps backwards, then no tokens are made up", () => {
    const { limiter, advance } = limiterAt({ perSecond: 1, burst: 1 });
    limiter.take("u1");
    advance(-5_000);
    expect(limiter.take("u1").allowed).toBe(false);
  });
});
