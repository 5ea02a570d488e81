/**
 * getAnalytics: a report read from its BigQuery view (views.ts, reports.ts), kept in Firestore for
 * ANALYTICS_CACHE_SECONDS so that a dashboard's refreshes, on any instance, cost one query per report and range.
 */
import type { BigQuery } from "@google-cloud/bigquery";
import type { Firestore } from "firebase-admin/firestore";
import { derivedId } from "../ids.js";
import { coursePath } from "../progress/store.js";
import { MAX_ANALYTICS_ROWS, REPORT_ROWS, type AnalyticsRow, type GetAnalyticsRequest, type GetAnalyticsResponse } from "../schemas/analytics.js";
import { ensureTable, ensureView } from "../sync/sinks/bigquery.js";
import { reportSql } from "./reports.js";
import { ANALYTICS_SOURCES, analyticsViews } from "./views.js";

/** `_analytics/{id}`: one answer per report, range, course and limit (server-only: the rules deny every client). */
export const ANALYTICS_CACHE = "_analytics";

export interface AnalyticsDeps {
  db: Firestore;
  bigquery: () => Promise<BigQuery>;
  dataset: string;
  cacheSeconds: number;
  /** @default Date.now */
  now?: () => number;
}

interface CachedReport {
  rows: string;
  generatedAt: string;
  expiresAtMs: number;
}

export async function getAnalytics(deps: AnalyticsDeps, input: GetAnalyticsRequest): Promise<GetAnalyticsResponse> {
  const now = deps.now ?? Date.now;
  const limit = input.limit ?? MAX_ANALYTICS_ROWS;
  const ref = deps.db.collection(ANALYTICS_CACHE).doc(derivedId(deps.dataset, input.report, input.courseId ?? "", input.from, input.to, String(limit)));
  const head = { report: input.report, from: input.from, to: input.to };

  const cached = (await ref.get()).data() as CachedReport | undefined;
  if (cached && cached.expiresAtMs > now()) return { ...head, rows: JSON.parse(cached.rows) as AnalyticsRow[], generatedAt: cached.generatedAt, cached: true };

  const rows = await queryReport(deps, input, limit);
  const generatedAt = new Date(now()).toISOString();
  const expiresAtMs = now() + deps.cacheSeconds * 1_000;
  // expireAt: the TTL policy (firestore.indexes.json) removes stale answers; expiresAtMs is what the read checks.
  await ref.set({ report: input.report, rows: JSON.stringify(rows), generatedAt, expiresAtMs, expireAt: new Date(expiresAtMs) });
  return { ...head, rows, generatedAt, cached: false };
}

/** The analytics views exist once per instance and dataset (a failure clears it, so the next call tries again). */
const prepared = new Map<string, Promise<void>>();

function prepareViews(client: () => Promise<BigQuery>, datasetId: string): Promise<void> {
  let ready = prepared.get(datasetId);
  if (!ready) {
    ready = createViews(client, datasetId).catch((error: unknown) => {
      prepared.delete(datasetId);
      throw error;
    });
    prepared.set(datasetId, ready);
  }
  return ready;
}

async function createViews(client: () => Promise<BigQuery>, datasetId: string): Promise<void> {
  // The views read the typed views of these collections, which exist once their tables do: a collection nothing was
  // mirrored from yet gets its empty table now, as its first change would make it.
  for (const collection of ANALYTICS_SOURCES) await ensureTable(client, datasetId, collection);
  const bq = await client();
  const dataset = bq.dataset(datasetId);
  for (const view of analyticsViews(bq.projectId, datasetId)) await ensureView(dataset, view.name, view.sql);
}

async function queryReport(deps: AnalyticsDeps, input: GetAnalyticsRequest, limit: number): Promise<AnalyticsRow[]> {
  await prepareViews(deps.bigquery, deps.dataset);
  const bq = await deps.bigquery();
  const [result] = await bq.query({
    query: reportSql(input.report, bq.projectId, deps.dataset),
    params: { from: bq.date(input.from), to: bq.date(input.to), courseId: input.courseId ?? "", limit },
  });
  const raw = (result as Record<string, unknown>[]).map(plain);
  const rows = await complete(deps.db, input, raw);
  const schema = REPORT_ROWS[input.report];
  // Parsed, not cast: a view that drifted from its report's contract fails here, not in a client.
  return rows.slice(0, limit).map((row) => schema.parse(row) as AnalyticsRow);
}

/**
 * A BigQuery row as JSON values: DATE and TIMESTAMP objects as their text, and floats rounded to 6 places (sums of
 * fractions land a hair outside [0, 1] otherwise). CORR's NaN (no spread) is null.
 */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([name, value]) => {
      if (value !== null && typeof value === "object" && "value" in value) return [name, String((value as { value: unknown }).value)];
      if (typeof value === "number") return [name, Number.isFinite(value) ? Math.round(value * 1e6) / 1e6 : null];
      return [name, value];
    }),
  );
}

/** What a person reads from a report that the SQL leaves out: days with nothing, lectures no one started, empty buckets. */
async function complete(db: Firestore, input: GetAnalyticsRequest, rows: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  switch (input.report) {
    case "daily_active":
      return everyDay(input.from, input.to, rows);
    case "lecture_funnel":
      return funnel(db, input.courseId, rows);
    case "dropoff":
      return buckets(rows);
    default:
      return rows;
  }
}

function everyDay(from: string, to: string, rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const byDate = new Map(rows.map((row) => [row["date"] as string, row]));
  const days: Record<string, unknown>[] = [];
  for (let day = Date.parse(from); day <= Date.parse(to); day += 86_400_000) {
    const date = new Date(day).toISOString().slice(0, 10);
    days.push(byDate.get(date) ?? { date, activeLearners: 0, activities: 0, watchSeconds: 0 });
  }
  return days;
}

/** Every lecture of each course in the report (or asked for), in catalogue order, with its completion rate. */
async function funnel(db: Firestore, courseId: string | undefined, rows: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const courses = [...new Set([...(courseId ? [courseId] : []), ...rows.map((row) => row["courseId"] as string)])];
  const counted = new Map(rows.map((row) => [`${row["courseId"]}/${row["lectureId"]}`, row]));
  const result: Record<string, unknown>[] = [];
  for (const course of courses) {
    const lectures = await db.collection(`${coursePath(course)}/lectures`).select("order").get();
    const order = new Map(lectures.docs.map((lecture) => [lecture.id, typeof lecture.get("order") === "number" ? (lecture.get("order") as number) : null]));
    const ids = new Set([...order.keys(), ...rows.filter((row) => row["courseId"] === course).map((row) => row["lectureId"] as string)]);
    const courseRows = [...ids].map((lectureId) => {
      const row = counted.get(`${course}/${lectureId}`);
      const started = Number(row?.["started"] ?? 0);
      const completed = Number(row?.["completed"] ?? 0);
      return { courseId: course, lectureId, order: order.get(lectureId) ?? null, started, completed, completionRate: started ? completed / started : 0 };
    });
    // Catalogue order; lectures no longer in it last.
    courseRows.sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity) || a.lectureId.localeCompare(b.lectureId));
    result.push(...courseRows);
  }
  return result;
}

const BUCKETS = 10;

/** Ten buckets per lecture, the empty ones included, each starting at its tenth of the lecture's duration. */
function buckets(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const lectures = new Map<string, { courseId: string; lectureId: string; durationSec: number; counts: number[] }>();
  for (const row of rows) {
    const key = `${row["courseId"]}/${row["lectureId"]}`;
    const lecture = lectures.get(key) ?? { courseId: row["courseId"] as string, lectureId: row["lectureId"] as string, durationSec: 0, counts: new Array<number>(BUCKETS).fill(0) };
    lecture.durationSec = Math.max(lecture.durationSec, Number(row["durationSec"]));
    lecture.counts[Number(row["bucket"])] = Number(row["learnersLastSeenHere"]);
    lectures.set(key, lecture);
  }
  return [...lectures.values()].flatMap(({ courseId, lectureId, durationSec, counts }) =>
    counts.map((learnersLastSeenHere, bucket) => ({ courseId, lectureId, bucketStartSec: Math.round((bucket * durationSec) / BUCKETS * 10) / 10, learnersLastSeenHere })),
  );
}
