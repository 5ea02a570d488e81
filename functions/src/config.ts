/**
 * Every deploy-time and run-time setting of LearnPulse, declared once (STYLE rule 4).
 * `.value()` is read only inside handlers, never at import, so that deploy analysis and cold starts stay cheap.
 */
import { defineBoolean, defineInt, defineSecret, defineString } from "firebase-functions/params";
import { UnavailableError } from "./errors.js";
import * as logs from "./logs.js";

/** Region of every function. A constant, not a param: Firestore triggers must live in the database's region. */
export const REGION = "us-central1";

/** Upstash databases the write-behind can spread over (docs/operations.md "Resharding"). */
export const MAX_UPSTASH_SHARDS = 16;

/**
 * Upstash shards declared at load: `max(UPSTASH_SHARDS, UPSTASH_SHARDS_PREVIOUS)` read from the environment, because a
 * function's secrets are fixed when it loads (firebase deploy loads `functions/.env.<project>` before it analyses the
 * code). Shard 0 keeps the unsuffixed names, so a one-shard deploy is configured as before.
 */
const LOADED_SHARDS = Math.max(shardCountOf(process.env["UPSTASH_SHARDS"]), shardCountOf(process.env["UPSTASH_SHARDS_PREVIOUS"]));

function shardCountOf(text: string | undefined): number {
  const value = Number(text || 1);
  return Number.isInteger(value) && value >= 1 ? Math.min(value, MAX_UPSTASH_SHARDS) : 1;
}

const shardSuffix = (shard: number) => (shard === 0 ? "" : `_${shard}`);

/**
 * Upstash Redis REST endpoint of each shard (`UPSTASH_REDIS_REST_URL`, `UPSTASH_REDIS_REST_URL_1`, ...), e.g.
 * `https://eu1-xyz.upstash.io`. No default (nor for any param that names an address): a deploy that took a default
 * would ship a loopback address. Read through serviceAddress().
 */
export const UPSTASH_URLS = Array.from({ length: LOADED_SHARDS }, (_, shard) =>
  defineString(`UPSTASH_REDIS_REST_URL${shardSuffix(shard)}`, { description: `Upstash Redis REST URL of write-behind shard ${shard}.` }),
);

/** Upstash Redis REST token of each shard. Secrets: bound only to the functions that talk to Redis. */
export const UPSTASH_TOKENS = Array.from({ length: LOADED_SHARDS }, (_, shard) =>
  defineSecret(`UPSTASH_REDIS_REST_TOKEN${shardSuffix(shard)}`, { description: `Upstash Redis REST token (Bearer) of write-behind shard ${shard}.` }),
);

/**
 * Upstash databases the write-behind uses; a user's shard is a stable hash of the uid (progress/layout.ts).
 * @default 1
 */
/**
 * How long a ping or a read waits for Upstash before giving up (adapters/upstash.ts). Upstash answers writes in < 5 ms
 * p99 in-region (upstash.com/docs/redis/features/globaldatabase); 500 ms is far beyond a healthy answer yet short
 * enough that a client's 5-second ping cadence is not disturbed. The test stacks raise it: a test machine running
 * a hundred test files at once stalls for longer than Upstash ever would.
 */
export const DEFAULT_UPSTASH_TIMEOUT_MS = 500;
export const UPSTASH_TIMEOUT_MS = defineInt("UPSTASH_TIMEOUT_MS", {
  description: "Milliseconds a ping or a read waits for Upstash before it sheds, degrades or answers unavailable.",
  default: DEFAULT_UPSTASH_TIMEOUT_MS,
});

export const UPSTASH_SHARDS = defineInt("UPSTASH_SHARDS", { description: "Number of Upstash databases (shards) of the write-behind.", default: 1 });

/**
 * The shard count before a reshard still in progress (0: none). While set, reads merge a user's old and new shard and
 * the flush drains both layouts (docs/operations.md "Resharding").
 * @default 0
 */
export const UPSTASH_SHARDS_PREVIOUS = defineInt("UPSTASH_SHARDS_PREVIOUS", {
  description: "Shard count before a reshard in progress (0 when none).",
  default: 0,
});

/** The shard layout in force: `previous` is 0 outside a reshard. Counts beyond the shards loaded are a deploy mistake. */
export function shardCounts(): { current: number; previous: number } {
  // 0 is what firebase-functions reads for an unset int param (a process that did not go through deploy): one shard.
  const current = UPSTASH_SHARDS.value() || 1;
  const previous = UPSTASH_SHARDS_PREVIOUS.value();
  for (const [name, value] of [["UPSTASH_SHARDS", current], ["UPSTASH_SHARDS_PREVIOUS", previous]] as const) {
    if (!Number.isInteger(value) || value < (name === "UPSTASH_SHARDS" ? 1 : 0) || value > LOADED_SHARDS) {
      throw new UnavailableError(`${name}=${value} needs ${value} shard URLs and tokens; this deploy loaded ${LOADED_SHARDS}`);
    }
  }
  return { current, previous: previous === current ? 0 : previous };
}

/**
 * When true, every callable refuses requests without a valid App Check token.
 * @default true
 */
export const ENFORCE_APP_CHECK = defineBoolean("ENFORCE_APP_CHECK", {
  description: "Refuse callable requests that carry no valid App Check token.",
  default: true,
});

/**
 * Multiplies every per-user rate limit (rate-limit.ts): for load tests that compress time (the simulator at speed s
 * sends s times a real player's calls) or to loosen the limits without a code change. Values below 1 count as 1.
 * @default 1
 */
export const RATE_LIMIT_MULTIPLIER = defineInt("RATE_LIMIT_MULTIPLIER", {
  description: "Multiplier of the per-user rate limits of the write callables (1 = as documented).",
  default: 1,
});

/** The rate-limit multiplier in force: a whole number of at least 1. */
export function rateLimitMultiplier(): number {
  const value = RATE_LIMIT_MULTIPLIER.value();
  return Number.isFinite(value) && value >= 1 ? value : 1;
}

/** The secrets each group of functions needs, so a function is bound only to what it uses. */
export const REDIS_SECRETS = UPSTASH_TOKENS;

/**
 * Fraction of a lecture's duration that its played segments must cover for the lecture to be completed.
 * A string param (firebase-functions has no float param); read through completionThreshold().
 * @default "0.9"
 */
export const COMPLETION_THRESHOLD = defineString("COMPLETION_THRESHOLD", {
  description: "Coverage (0 < x <= 1) of a lecture's duration at which the flush completes the lecture.",
  default: "0.9",
});

export const DEFAULT_COMPLETION_THRESHOLD = 0.9;

/** The completion threshold; an unparsable or out-of-range value falls back to the default rather than completing everything. */
export function completionThreshold(): number {
  const value = Number(COMPLETION_THRESHOLD.value());
  return value > 0 && value <= 1 ? value : DEFAULT_COMPLETION_THRESHOLD;
}

/**
 * The flush schedule (App Engine syntax or crontab), also the length of a flush window.
 * onSchedule needs it as a literal when the code loads, so — unlike params, which are read at run time — it is
 * read from the environment at load: set it in `functions/.env` (which `firebase deploy` loads) to change it.
 * @default "every 5 minutes"
 */
export const FLUSH_SCHEDULE = process.env["FLUSH_SCHEDULE"]?.trim() || "every 5 minutes";

/**
 * Flush workers at once: the flush task queue's maxConcurrentDispatches (progress/flush-tasks.ts). Each writes up to
 * two 500-document batches at a time; docs/architecture.md "Scale-out" sizes it against Firestore's 500/50/5 ramp and
 * the shards' command rate.
 * @default 4
 */
export const FLUSH_WORKERS = defineInt("FLUSH_WORKERS", { description: "Flush workers (Cloud Tasks dispatches) running at once.", default: 4 });

/**
 * Firestore collections whose changes stream to the sinks (collection ids; each has a trigger).
 * @default "progress,activities,answers,competencies,activityDays,users,quizProgress,reviews"
 */
export const MIRROR_COLLECTIONS = defineString("MIRROR_COLLECTIONS", {
  description: "Comma-separated collection ids mirrored to BigQuery, MongoDB and Cosmos.",
  default: "progress,activities,answers,competencies,activityDays,users,quizProgress,reviews",
});

/** @default true */
export const SINK_BIGQUERY_ENABLED = defineBoolean("SINK_BIGQUERY_ENABLED", { description: "Stream changes to BigQuery.", default: true });
/** @default true */
export const SINK_MONGO_ENABLED = defineBoolean("SINK_MONGO_ENABLED", { description: "Mirror changes into MongoDB Atlas.", default: true });
/** @default true */
export const SINK_COSMOS_ENABLED = defineBoolean("SINK_COSMOS_ENABLED", { description: "Mirror changes into Azure Cosmos DB (legacy shapes).", default: true });

/** @default "learnpulse" */
export const BIGQUERY_DATASET = defineString("BIGQUERY_DATASET", { description: "BigQuery dataset of the changelog tables and latest views.", default: "learnpulse" });

/** MongoDB Atlas connection string (mongodb+srv://...). A secret: bound only to the sync functions. */
export const MONGODB_URI = defineSecret("MONGODB_URI", { description: "MongoDB Atlas connection string." });
/** @default "learnpulse" */
export const MONGODB_DATABASE = defineString("MONGODB_DATABASE", { description: "MongoDB database of the mirror.", default: "learnpulse" });

/** Cosmos DB account endpoint, e.g. https://legacy.documents.azure.com:443/ (no default: see UPSTASH_REDIS_REST_URL). */
export const COSMOS_ENDPOINT = defineString("COSMOS_ENDPOINT", { description: "Azure Cosmos DB account endpoint." });
/** Cosmos DB account key. A secret: bound only to the sync functions. */
export const COSMOS_KEY = defineSecret("COSMOS_KEY", { description: "Azure Cosmos DB account key." });
/** @default "learnpulse-legacy" */
export const COSMOS_DATABASE = defineString("COSMOS_DATABASE", { description: "Cosmos DB database of the legacy containers.", default: "learnpulse-legacy" });

/** The secrets of the functions that deliver to the sinks. */
export const SINK_SECRETS = [MONGODB_URI, COSMOS_KEY];

/**
 * Cosmos deliveries a second the Cosmos queue dispatches at most: the container's RU/s budget (serverless: 5,000 per
 * container, PRICES.md [40][41]) over the RU of one delivery (a point read, 1 RU, and a conditional replace, 11 RU per KB,
 * PRICES.md [38]), with a fifth kept back for bursts and other readers: 5,000 × 0.8 / 12 = 333. Lower it when the
 * container is shared or its items are larger than a KB.
 * @default 333
 */
export const COSMOS_DELIVERIES_PER_SECOND = defineInt("COSMOS_DELIVERIES_PER_SECOND", {
  description: "Cosmos deliveries per second the Cosmos delivery queue dispatches at most (RU/s budget / RU per delivery).",
  default: 333,
});

const reportedMissing = new Set<string>();

/**
 * The value of a param that names a service's address. Unset (firebase-functions then reads ""), it is a deploy
 * mistake, not an outage: the function logs config.param_missing once per instance and answers `unavailable` with
 * the param's name, rather than falling back to anything.
 */
export function serviceAddress(param: { name: string; value(): string }): string {
  const value = param.value().trim();
  if (value) return value;
  if (!reportedMissing.has(param.name)) {
    reportedMissing.add(param.name);
    logs.paramMissing({ param: param.name });
  }
  throw new UnavailableError(`Service not configured: set ${param.name}`);
}

/**
 * Days in which the daily reconcile sweeps every document of every mirrored collection once, in every enabled sink:
 * each run checks and repairs its share (the collection's count ÷ this) from where the last one stopped.
 * @default 7
 */
export const RECONCILE_SWEEP_DAYS = defineInt("RECONCILE_SWEEP_DAYS", {
  description: "Days in which the daily reconcile sweeps (and repairs) every mirrored document once.",
  default: 7,
});

export const MIGRATION_PHASES = ["dual_write", "firestore_primary", "cosmos_retired"] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/**
 * Where the migration from Cosmos to Firestore stands: `dual_write` (Cosmos mirrored), `firestore_primary`
 * (Cosmos still mirrored, reconciled as a shadow), `cosmos_retired` (no Cosmos write at all). docs/operations.md: the rollback drill.
 * @default "dual_write"
 */
export const MIGRATION_PHASE = defineString("MIGRATION_PHASE", {
  description: "Migration phase: dual_write, firestore_primary or cosmos_retired.",
  default: "dual_write",
  input: { select: { options: MIGRATION_PHASES.map((value) => ({ value })) } },
});

/** The phase in force; an unknown value keeps Cosmos mirrored (dual_write), the phase that loses nothing. */
export function migrationPhase(): MigrationPhase {
  const value = MIGRATION_PHASE.value() as MigrationPhase;
  return MIGRATION_PHASES.includes(value) ? value : "dual_write";
}

/** Seconds before an erasure's first follow-up pass: past the deliveries' cached view of erased users and a flush. */
export const ERASURE_FOLLOW_UP_SECONDS = defineInt("ERASURE_FOLLOW_UP_SECONDS", {
  description: "Seconds before an erasure's follow-up pass (rights/erase.ts); at least the erased-users cache (30 s) and a flush page.",
  default: 120,
});

/** Seconds between erasure passes while BigQuery still holds rows in its streaming buffer (up to ~30 minutes there). */
export const ERASURE_RETRY_SECONDS = defineInt("ERASURE_RETRY_SECONDS", {
  description: "Seconds between erasure passes while a store (BigQuery's streaming buffer) still holds the learner's rows.",
  default: 1_800,
});

/**
 * How long getAnalytics answers a report from its cache before it queries BigQuery again. Each query scans the
 * changelogs (billed per byte scanned); the reports move by the day, and five minutes keeps a dashboard's refreshes
 * from costing a query each.
 * @default 300
 */
export const ANALYTICS_CACHE_SECONDS = defineInt("ANALYTICS_CACHE_SECONDS", {
  description: "Seconds a getAnalytics report is served from its cache before BigQuery is queried again.",
  default: 300,
});
