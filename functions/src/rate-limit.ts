/**
 * Per-user rate limits of the write callables: a token bucket per user, in the memory of each function instance.
 * Pure (the clock is injected); the callable wrapper (callable.ts) holds one limiter per callable.
 *
 * Why in memory and not in Redis: a shared limiter costs at least one billed Upstash command per call (INCR, or a
 * script billed EVAL plus every command in it, by Upstash's pricing), which would double the ping's cost (a ping is
 * about one billed command: docs/architecture.md). The price is that the limit holds per instance: a user whose
 * calls spread over k instances gets up to k times the limit. docs/security.md ("Rate limits") says why that is
 * acceptable.
 */

/** A sustained rate and a burst. */
export interface RateLimit {
  /** Calls allowed per second, sustained (the bucket's refill rate). */
  perSecond: number;
  /** Calls allowed at once after a quiet spell (the bucket's size). */
  burst: number;
}

/**
 * The write callables' limits, per user and per instance.
 * - saveProgress: the ProgressTracker (client/src/progress-tracker.ts) pings every 5 s while playing, and at once on
 *   pause, seek, end and page hide, never two at a time. 1/s sustained is five times the cadence, so a user can
 *   seek every second without ever being limited; the burst of 60 covers scrubbing (each `seeking` event costs at
 *   most one ping per round trip: ~10–20 a second while the scrubber is dragged). Tested with the tracker itself
 *   in client/src/progress-tracker.rate-limit.test.ts.
 * - completeLecture: once per lecture; a lecture takes minutes, so one every 5 s sustained with 20 at once (a
 *   client catching up on completions after being offline) is far above honest use.
 * - recordActivity: a handful per page view (course_view, lecture_view, search, ...); 1 every 2 s with 30 at once.
 * - submitAnswer: one per question answered; a fast quiz-taker answers a true/false question in a couple of seconds,
 *   so 1 every 2 s with 30 at once (a whole quiz submitted together).
 * - updateProfile: at each sign-in (the dashboard sends the browser's time zone) and when a learner edits a field;
 *   10 at once, then one every 20 s, which also bounds how many replaced time zones a user can make us keep.
 */
export const RATE_LIMITS = {
  saveProgress: { perSecond: 1, burst: 60 },
  completeLecture: { perSecond: 0.2, burst: 20 },
  recordActivity: { perSecond: 0.5, burst: 30 },
  submitAnswer: { perSecond: 0.5, burst: 30 },
  updateProfile: { perSecond: 0.05, burst: 10 },
  // An export pages through everything the learner has: generous, but not a scraper's loop.
  exportMyData: { perSecond: 2, burst: 100 },
  deleteMyData: { perSecond: 0.01, burst: 3 },
  // A query scans the changelogs (billed per byte) on each cache miss: a dashboard's six reports and some clicking.
  getAnalytics: { perSecond: 0.2, burst: 30 },
} as const satisfies Record<string, RateLimit>;

/**
 * Users tracked per limiter and instance. An instance serves at most 80 requests at once (options.ts); in the
 * PRICES.md worked example (2,000 pings/s over ~5 instances) one instance sees ~2,000 users every 5 s, so 10,000
 * keeps everyone active, at ~150 bytes each (~1.5 MB). A flood of new uids evicts the least recently seen first (a
 * tenth at a time), which forgets their debt: the limiter then fails open, never closed.
 */
export const MAX_TRACKED_USERS = 10_000;

export type RateVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface RateLimiterOptions {
  /** @default MAX_TRACKED_USERS */
  maxEntries?: number;
  /** Milliseconds, monotonic. @default performance.now */
  now?: () => number;
}

/** Floating-point slack when comparing times (ms), so that a call exactly on time is never refused by rounding. */
const EPSILON_MS = 1e-6;

/**
 * Token buckets by key (a uid), kept as GCRA ("generic cell rate algorithm", the token bucket as one number): per
 * key, the time at which its bucket would be full again were nothing spent since. No floating-point tokens pile
 * up, and a refused call changes nothing. Keys are kept least recently used first, so the oldest goes when full.
 */
export class RateLimiter {
  private readonly fullAt = new Map<string, number>();
  private readonly limit: RateLimit;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(limit: RateLimit, options: RateLimiterOptions = {}) {
    this.limit = limit;
    this.maxEntries = options.maxEntries ?? MAX_TRACKED_USERS;
    this.now = options.now ?? (() => performance.now());
  }

  /** Takes one call from `key`'s bucket; `scale` multiplies both the rate and the burst (RATE_LIMIT_MULTIPLIER). */
  take(key: string, scale = 1): RateVerdict {
    const interval = 1000 / (this.limit.perSecond * scale);
    const tolerance = (this.limit.burst * scale - 1) * interval;
    const now = this.now();
    const fullAt = this.fullAt.get(key) ?? now;
    this.fullAt.delete(key); // re-inserted below: the Map's order is the recency order
    const earliest = fullAt - tolerance; // when the bucket next holds a whole token
    const allowed = now + EPSILON_MS >= earliest;
    this.fullAt.set(key, allowed ? Math.max(fullAt, now) + interval : fullAt);
    if (this.fullAt.size > this.maxEntries) this.evictOldest();
    return allowed ? { allowed } : { allowed, retryAfterMs: Math.ceil(earliest - now) };
  }

  /**
   * Forgets the least recently seen tenth in one pass: finding a Map's first entry walks the deleted ones before it,
   * so evicting one at a time costs microseconds per call under a flood of new uids.
   */
  private evictOldest(): void {
    let excess = this.fullAt.size - this.maxEntries + Math.ceil(this.maxEntries / 10);
    for (const key of this.fullAt.keys()) {
      if (excess-- <= 0) break;
      this.fullAt.delete(key);
    }
  }

  /** Users currently tracked. */
  get size(): number {
    return this.fullAt.size;
  }
}
