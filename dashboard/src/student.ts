/**
 * The student view: the demo player, per-lecture progress, course completion, streak, stats and the heat map, all
 * live: Firestore subscriptions (client/src/live.ts) rather than polled callables, so a change made on another device
 * shows here as soon as it is stored, and an idle page costs nothing.
 */
import { watchCourseProgress, watchHeatmap, watchStudentStats, type LiveProgress, type ProgressSubscription } from "../../client/src/live.ts";
import { DEMO_COURSE_ID, DEMO_LECTURES } from "@learnpulse/local-stack/seed.ts";
import { renderHeatmap } from "./heatmap.ts";
import { SimulatedPlayer, SPEEDS, type Lecture } from "./player.ts";
import { mountQuizPanel } from "./quiz.ts";
import type { Session } from "./session.ts";
import { clock, el, errorText } from "./ui.ts";

const HEATMAP_DAYS = 365;

const LECTURES: Lecture[] = DEMO_LECTURES.map(({ id, title, durationSec }) => ({ id, title, durationSec }));

export function mountStudentView(root: HTMLElement, session: Session): { refresh(): void } {
  const viewed = new Set<string>();
  const status = el("p", { class: "error", id: "student-error" });
  const pingInfo = el("p", { class: "muted", id: "ping-info" }, "no ping yet");
  const pings = { sent: 0, failed: 0, lastError: "" };
  const renderPings = () => {
    pingInfo.textContent = `pings acknowledged: ${pings.sent}${pings.failed ? ` · failed: ${pings.failed}` : ""}${pings.lastError ? ` · ${pings.lastError}` : ""}`;
    pingInfo.dataset["sent"] = String(pings.sent);
  };

  const lectureSelect = el("select", { id: "lecture", "aria-label": "Lecture" }, ...LECTURES.map((l) => el("option", { value: l.id }, l.title)));
  const speedSelect = el("select", { id: "speed", "aria-label": "Speed" }, ...SPEEDS.map((s) => el("option", { value: String(s) }, `${s}×`)));
  const playButton = el("button", { type: "button", id: "play", class: "primary" }, "▶ Play");
  const screenTitle = el("div", { class: "screen-title" });
  const screenTime = el("div", { class: "screen-time", id: "player-time" });
  const playerFill = el("div", { class: "fill" });
  const player: SimulatedPlayer = new SimulatedPlayer(
    LECTURES[0] as Lecture,
    {
      courseId: DEMO_COURSE_ID,
      save: async (ping) => (await session.client()).saveProgress(ping),
      onSaved: (ping) => {
        pings.sent++;
        pings.lastError = "";
        renderPings();
        // Shown at once; the stored document catches up at the next flush (liveProgress).
        progress?.acknowledged(ping);
      },
      onError: (error, { retryInMs }) => {
        pings.failed++;
        pings.lastError = `${errorText(error)}${retryInMs === null ? "" : ` (retrying in ${Math.ceil(retryInMs / 1000)} s)`}`;
        renderPings();
      },
    },
    () => renderPlayer(),
  );

  function renderPlayer() {
    screenTitle.textContent = player.lecture.title;
    screenTime.textContent = `${clock(player.position)} / ${clock(player.lecture.durationSec)}`;
    playerFill.style.width = `${(100 * player.position) / player.lecture.durationSec}%`;
    playButton.textContent = player.playing ? "❚❚ Pause" : "▶ Play";
    playButton.dataset["state"] = player.playing ? "playing" : "paused";
  }

  playButton.addEventListener("click", () => {
    if (player.playing) return player.pause();
    player.play();
    if (!viewed.has(player.lecture.id)) {
      viewed.add(player.lecture.id);
      const activity = { type: "lecture_view", clientEventId: crypto.randomUUID(), courseId: DEMO_COURSE_ID, lectureId: player.lecture.id } as const;
      session
        .client()
        .then((lp) => lp.recordActivity(activity))
        .catch(showError);
    }
  });
  lectureSelect.addEventListener("change", () => player.load(LECTURES.find((l) => l.id === lectureSelect.value) as Lecture));
  speedSelect.addEventListener("change", () => (player.speed = Number(speedSelect.value)));

  const completion = el("strong", { id: "completion", class: "big" }, "–");
  const completionFill = el("div", { class: "fill" });
  const lectureRows = new Map(
    LECTURES.map((lecture) => {
      const coverage = el("div", { class: "fill coverage" });
      const position = el("div", { class: "fill position" });
      const caption = el("span", { class: "muted" });
      const row = el(
        "li",
        { "data-lecture": lecture.id },
        el("div", { class: "row-head" }, el("span", {}, lecture.title), caption),
        el("div", { class: "bar", role: "progressbar", "aria-label": lecture.title }, position, coverage),
      );
      return [lecture.id, { row, coverage, position, caption, lecture }] as const;
    }),
  );

  const stats = el("dl", { class: "stats", id: "stats" });
  const heatmap = el("div", { id: "heatmap", class: "heatmap-box" });
  const heatmapCaption = el("p", { class: "muted", id: "heatmap-caption" });
  const quiz = mountQuizPanel(session, (error) => showError(error));

  root.replaceChildren(
    status,
    el(
      "div",
      { class: "grid" },
      el(
        "article",
        { class: "card" },
        el("h2", {}, "Demo player"),
        el("div", { class: "controls" }, lectureSelect, speedSelect),
        el("div", { class: "screen" }, screenTitle, screenTime),
        el("div", { class: "bar player-bar" }, playerFill),
        el("div", { class: "controls" }, playButton, pingInfo),
        el("p", { class: "muted" }, "A simulated player driving the client's ProgressTracker: it pings saveProgress every 5 s while playing and on pause or end."),
      ),
      el(
        "article",
        { class: "card" },
        el("h2", {}, "Course progress"),
        el("div", { class: "completion" }, completion, el("span", { class: "muted" }, " of the demo course complete")),
        el("div", { class: "bar" }, completionFill),
        el("ul", { class: "lectures" }, ...[...lectureRows.values()].map((r) => r.row)),
        el("p", { class: "muted legend" }, el("i", { class: "swatch position" }), " watched up to ", el("i", { class: "swatch coverage" }), " covered (stored, with the pings the flush has yet to store)"),
      ),
      el("article", { class: "card" }, el("h2", {}, "Streak and stats"), stats),
      el(
        "article",
        { class: "card wide" },
        el("h2", {}, `Activity, last ${HEATMAP_DAYS} days`),
        heatmap,
        el("div", { class: "heatmap-legend muted" }, "less ", ...[0, 1, 2, 3, 4].map((n) => el("i", { class: `swatch level-${n}` })), " more"),
        heatmapCaption,
      ),
      quiz.card,
    ),
  );

  function showError(error: unknown) {
    status.textContent = errorText(error);
  }

  function renderProgress(live: LiveProgress) {
    completion.textContent = `${Math.round(live.completionPercentage)}%`;
    completion.dataset["value"] = String(live.completionPercentage);
    completionFill.style.width = `${live.completionPercentage}%`;
    for (const { lecture, row, coverage, position, caption } of lectureRows.values()) {
      const view = live.lectures[lecture.id];
      const watched = view?.position ?? 0;
      const covered = view?.coverage ?? 0;
      const done = view?.completed ?? false;
      position.style.width = `${Math.min(100, (100 * watched) / lecture.durationSec)}%`;
      coverage.style.width = `${100 * (done ? Math.max(covered, 1) : covered)}%`;
      row.dataset["position"] = String(watched);
      row.dataset["coverage"] = String(covered);
      row.classList.toggle("done", done);
      caption.textContent = `${clock(watched)} / ${clock(lecture.durationSec)} · ${Math.round(covered * 100)}% covered${done ? " · ✓ completed" : ""}`;
    }
    status.textContent = "";
  }

  let progress: ProgressSubscription | undefined;
  let stopOthers: Array<() => void> = [];
  let watching: string | undefined;

  /** (Re)subscribes for the signed-in learner; a no-op while it is the same one. */
  async function subscribe() {
    try {
      const { db, uid } = await session.reader();
      if (uid === watching) return;
      watching = uid;
      progress?.();
      for (const stop of stopOthers) stop();
      progress = watchCourseProgress(db, uid, DEMO_COURSE_ID, { next: renderProgress, error: showError });
      stopOthers = [
        watchStudentStats(db, uid, {
          next: (s) => {
            const item = (label: string, value: string | number, id: string) => [el("dt", {}, label), el("dd", { id }, String(value))];
            stats.replaceChildren(
              ...item("Current streak", `${s.currentStreak} ${s.currentStreak === 1 ? "day" : "days"}`, "current-streak"),
              ...item("Longest streak", `${s.longestStreak} days`, "longest-streak"),
              ...item("Active days", s.totalActiveDays, "active-days"),
              ...item("Completed lectures", s.totalCompletedLectures, "completed-lectures"),
              ...item("Last active", s.lastActiveDate ?? "never", "last-active"),
            );
          },
          error: showError,
        }),
        watchHeatmap(db, uid, HEATMAP_DAYS, {
          next: (map) => {
            heatmap.replaceChildren(renderHeatmap(map.days));
            const active = map.days.filter((d) => d.count > 0);
            heatmapCaption.textContent = `${active.length} active days, ${active.reduce((sum, d) => sum + d.count, 0)} activities`;
            heatmap.dataset["activeDays"] = String(active.length);
          },
          error: showError,
        }),
        ...quiz.watch(),
      ];
    } catch (error) {
      showError(error);
    }
  }

  renderPlayer();
  const refresh = () => void subscribe();
  refresh();
  return { refresh };
}
