/**
 * The teacher's "Analytics" view: the six reports of getAnalytics for a course and a date range, drawn with Chart.js:
 * daily activity as lines, watch time as bars, the lecture funnel as paired bars in catalogue order, drop-off as a
 * heat strip (a tenth of the lecture per cell), items as a table with spark bars, competencies as lines. Needs the
 * `teacher` (or `admin`) claim. Days are UTC, as the reports' (docs/analytics.md).
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ScriptableContext,
} from "chart.js";
import { collection, getDocs } from "firebase/firestore";
import type { AnalyticsReport, GetAnalyticsResponse, ReportRow } from "../../functions/src/schemas/analytics.ts";
import type { Session } from "./session.ts";
import { clock, el, errorText } from "./ui.ts";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

const DAY_MS = 86_400_000;
/** The range shown first: the last two weeks. */
const DEFAULT_DAYS = 14;
/** Rows of the item table (each with two spark bars). */
const ITEM_ROWS = 200;
const COLORS = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#4b5563"];

const REPORTS: Record<AnalyticsReport, string> = {
  daily_active: "Daily activity",
  watch_time: "Watch time per lecture",
  lecture_funnel: "Lecture funnel",
  dropoff: "Where learners stop",
  item_analysis: "Items",
  competency_trend: "Competencies",
};

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function mountAnalyticsView(root: HTMLElement, session: Session): { refresh(): Promise<void> } {
  const status = el("p", { class: "error", id: "analytics-error" });
  const course = el("select", { id: "analytics-course", "aria-label": "Course" }, el("option", { value: "" }, "every course"));
  const from = el("input", { type: "date", id: "analytics-from", "aria-label": "From (UTC)", value: utcDay(Date.now() - (DEFAULT_DAYS - 1) * DAY_MS) });
  const to = el("input", { type: "date", id: "analytics-to", "aria-label": "To (UTC)", value: utcDay(Date.now()) });
  const show = el("button", { type: "submit", id: "analytics-show", class: "primary" }, "Show");
  const form = el("form", { class: "controls", id: "analytics-form" }, course, el("label", {}, "from ", from), el("label", {}, "to ", to), show, el("span", { class: "hint" }, "UTC days"));

  const cards = {} as Record<AnalyticsReport, { card: HTMLElement; body: HTMLElement; note: HTMLElement }>;
  for (const report of Object.keys(REPORTS) as AnalyticsReport[]) {
    const body = report === "item_analysis" ? el("div", { class: "items" }) : el("div", { class: "chart" }, el("canvas", { id: `chart-${report}` }));
    const note = el("p", { class: "muted" });
    const wide = report === "item_analysis" || report === "dropoff" ? " wide" : "";
    const card = el("article", { class: `card${wide}`, id: `report-${report}`, "data-report": report }, el("h2", {}, REPORTS[report]), body, note);
    cards[report] = { card, body, note };
  }

  root.replaceChildren(status, form, el("div", { class: "grid" }, ...Object.values(cards).map(({ card }) => card)));

  const charts: Chart[] = [];
  /** Lecture titles of the chosen course, for the charts' labels. */
  let titles = new Map<string, string>();
  let coursesLoaded = false;

  async function loadCourses(): Promise<void> {
    if (coursesLoaded) return;
    const { db } = await session.reader();
    const courses = await getDocs(collection(db, "courses"));
    course.append(...courses.docs.map((doc) => el("option", { value: doc.id }, String(doc.get("title") ?? doc.id))));
    // The first course is what a teacher of one course wants to see.
    if (courses.docs[0]) course.value = courses.docs[0].id;
    coursesLoaded = true;
  }

  async function loadTitles(courseId: string): Promise<void> {
    titles = new Map();
    if (!courseId) return;
    const { db } = await session.reader();
    const lectures = await getDocs(collection(db, "courses", courseId, "lectures"));
    titles = new Map(lectures.docs.map((doc) => [doc.id, String(doc.get("title") ?? doc.id)]));
  }

  const label = (lectureId: string) => titles.get(lectureId) ?? lectureId;

  async function refresh(): Promise<void> {
    show.disabled = true;
    try {
      await loadCourses();
      await loadTitles(course.value);
      const lp = await session.client();
      const request = { from: from.value, to: to.value, ...(course.value ? { courseId: course.value } : {}) };
      const answers = await Promise.all((Object.keys(REPORTS) as AnalyticsReport[]).map((report) => lp.getAnalytics({ report, ...request, ...(report === "item_analysis" ? { limit: ITEM_ROWS } : {}) })));
      status.textContent = "";
      for (const chart of charts.splice(0)) chart.destroy();
      for (const answer of answers) draw(answer);
    } catch (error) {
      status.textContent = errorText(error);
    } finally {
      show.disabled = false;
    }
  }

  function draw(answer: GetAnalyticsResponse): void {
    const { card, body, note } = cards[answer.report];
    card.dataset["rows"] = String(answer.rows.length);
    note.textContent = `${answer.rows.length} rows · ${answer.cached ? "cached" : "fresh"}, made ${new Date(answer.generatedAt).toLocaleTimeString()}`;
    if (answer.report === "item_analysis") {
      charts.push(...itemTable(body, answer.rows as ReportRow<"item_analysis">[]));
      return;
    }
    const canvas = body.querySelector("canvas") as HTMLCanvasElement;
    charts.push(new Chart(canvas, chartOf(answer)));
  }

  function chartOf(answer: GetAnalyticsResponse): ChartConfiguration {
    switch (answer.report) {
      case "daily_active":
        return dailyChart(answer.rows as ReportRow<"daily_active">[]);
      case "watch_time":
        return watchChart(answer.rows as ReportRow<"watch_time">[], label);
      case "lecture_funnel":
        return funnelChart(answer.rows as ReportRow<"lecture_funnel">[], label);
      case "dropoff":
        return dropoffChart(answer.rows as ReportRow<"dropoff">[], label);
      default:
        return competencyChart(answer.rows as ReportRow<"competency_trend">[]);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void refresh();
  });
  return { refresh };
}

/** Shared options: no animation (a report is read, not watched), and the canvas fills its box. */
const base = { animation: false, responsive: true, maintainAspectRatio: false } as const;

function dailyChart(rows: ReportRow<"daily_active">[]): ChartConfiguration {
  return {
    type: "line",
    data: {
      labels: rows.map((row) => row.date),
      datasets: [
        { label: "active learners", data: rows.map((row) => row.activeLearners), borderColor: COLORS[0], backgroundColor: COLORS[0], yAxisID: "count" },
        { label: "activities", data: rows.map((row) => row.activities), borderColor: COLORS[1], backgroundColor: COLORS[1], yAxisID: "count" },
        { label: "minutes first watched", data: rows.map((row) => row.watchSeconds / 60), borderColor: COLORS[2], backgroundColor: COLORS[2], yAxisID: "minutes" },
      ],
    },
    options: {
      ...base,
      scales: {
        count: { type: "linear", position: "left", beginAtZero: true, ticks: { precision: 0 } },
        minutes: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false } },
      },
    },
  };
}

function watchChart(rows: ReportRow<"watch_time">[], label: (id: string) => string): ChartConfiguration {
  const byLecture = new Map<string, number>();
  for (const row of rows) byLecture.set(row.lectureId, (byLecture.get(row.lectureId) ?? 0) + row.watchSeconds / 60);
  return {
    type: "bar",
    data: { labels: [...byLecture.keys()].map(label), datasets: [{ label: "minutes first watched in the range", data: [...byLecture.values()], backgroundColor: COLORS[2] }] },
    options: { ...base, scales: { y: { beginAtZero: true } } },
  };
}

function funnelChart(rows: ReportRow<"lecture_funnel">[], label: (id: string) => string): ChartConfiguration {
  return {
    type: "bar",
    data: {
      labels: rows.map((row) => `${row.order ?? "–"}. ${label(row.lectureId)}`),
      datasets: [
        { label: "started", data: rows.map((row) => row.started), backgroundColor: COLORS[0] },
        { label: "completed", data: rows.map((row) => row.completed), backgroundColor: COLORS[1] },
      ],
    },
    options: { ...base, indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  };
}

/** A heat strip per lecture: ten stacked cells of a tenth each, the darker the more learners were last seen there. */
function dropoffChart(rows: ReportRow<"dropoff">[], label: (id: string) => string): ChartConfiguration {
  const lectures = [...new Set(rows.map((row) => row.lectureId))];
  const cells = lectures.map((lectureId) => rows.filter((row) => row.lectureId === lectureId));
  const most = Math.max(1, ...rows.map((row) => row.learnersLastSeenHere));
  const datasets = Array.from({ length: 10 }, (_, tenth) => ({
    label: `${tenth * 10}%`,
    data: lectures.map(() => 10),
    backgroundColor: (context: ScriptableContext<"bar">) => {
      const learners = cells[context.dataIndex]?.[tenth]?.learnersLastSeenHere ?? 0;
      return learners ? `rgba(220, 38, 38, ${0.15 + (0.85 * learners) / most})` : "#f1f5f9";
    },
    borderColor: "#ffffff",
    borderWidth: 1,
  }));
  return {
    type: "bar",
    data: { labels: lectures.map(label), datasets },
    options: {
      ...base,
      indexAxis: "y",
      scales: { x: { stacked: true, max: 100, ticks: { callback: (value) => `${value}%` } }, y: { stacked: true } },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (context) => {
              const cell = cells[context.dataIndex]?.[context.datasetIndex];
              return cell ? `${cell.learnersLastSeenHere} last seen from ${clock(cell.bucketStartSec)}` : "";
            },
          },
        },
      },
    },
  };
}

function competencyChart(rows: ReportRow<"competency_trend">[]): ChartConfiguration {
  const dates = [...new Set(rows.map((row) => row.date))].sort();
  const names = [...new Set(rows.map((row) => `${row.subject} / ${row.skill} / ${row.subskill}`))];
  return {
    type: "line",
    data: {
      labels: dates,
      datasets: names.map((name, index) => ({
        label: name,
        data: dates.map((date) => rows.find((row) => row.date === date && `${row.subject} / ${row.skill} / ${row.subskill}` === name)?.meanScore ?? null),
        borderColor: COLORS[index % COLORS.length],
        backgroundColor: COLORS[index % COLORS.length],
        spanGaps: true,
      })),
    },
    options: { ...base, scales: { y: { beginAtZero: true } } },
  };
}

/** The item table: a row per question, with spark bars for the p-value (0..1) and the discrimination (-1..1). */
function itemTable(root: HTMLElement, rows: ReportRow<"item_analysis">[]): Chart[] {
  const body = el("tbody", {});
  const sparks: Chart[] = [];
  root.replaceChildren(
    el(
      "table",
      { class: "sinks", id: "item-table" },
      el("thead", {}, el("tr", {}, ...["question", "type", "attempts", "learners", "p-value", "discrimination", "mean time", "awaiting review"].map((h) => el("th", {}, h)))),
      body,
    ),
  );
  for (const row of rows) {
    const p = el("canvas", { width: "90", height: "14" });
    const d = el("canvas", { width: "90", height: "14" });
    body.append(
      el(
        "tr",
        { "data-question": row.questionId },
        el("td", {}, row.questionId),
        el("td", {}, row.type ?? "–"),
        el("td", {}, String(row.attempts)),
        el("td", {}, String(row.learners)),
        // Chart.js makes its canvas a block: the span keeps the spark bar on the value's line.
        el("td", {}, el("span", { class: "spark" }, p), ` ${row.pValue === null ? "–" : row.pValue.toFixed(2)}`),
        el("td", {}, el("span", { class: "spark" }, d), ` ${row.discrimination === null ? "–" : row.discrimination.toFixed(2)}`),
        el("td", {}, row.meanTimeMs === null ? "–" : `${(row.meanTimeMs / 1000).toFixed(1)} s`),
        el("td", {}, String(row.pendingReview)),
      ),
    );
    sparks.push(spark(p, row.pValue, 0, 1), spark(d, row.discrimination, -1, 1));
  }
  return sparks;
}

function spark(canvas: HTMLCanvasElement, value: number | null, min: number, max: number): Chart {
  return new Chart(canvas, {
    type: "bar",
    data: { labels: [""], datasets: [{ data: [value], backgroundColor: value !== null && value < 0 ? COLORS[4] : COLORS[0], barPercentage: 1, categoryPercentage: 1 }] },
    options: {
      animation: false,
      responsive: false,
      indexAxis: "y",
      events: [],
      scales: { x: { display: false, min, max }, y: { display: false } },
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
    },
  });
}
