/**
 * The admin "Data sync" view: getSyncStatus every few seconds (the health score, the write-behind, the sinks, and the
 * collection counts of the last daily sweep), and the flushNow / replayQuarantine / replayDeadLetters / reconcile buttons.
 */
import type { MirroredCollection, SyncStatusResponse } from "../../functions/src/schemas/sync.ts";
import type { Session } from "./session.ts";
import { ago, el, errorText, every } from "./ui.ts";

const STATUS_REFRESH_MS = 3_000;
const SINKS = ["bigquery", "mongo", "cosmos"] as const;
const COLLECTIONS: MirroredCollection[] = ["progress", "activities", "answers", "competencies", "activityDays", "users", "quizProgress", "reviews"];

export function mountAdminView(root: HTMLElement, session: Session): { refresh(): Promise<void> } {
  const status = el("p", { class: "error", id: "admin-error" });
  const phase = el("strong", { id: "migration-phase" }, "–");
  const updated = el("span", { class: "muted", id: "status-updated" });
  const writeBehind = el("dl", { class: "stats", id: "write-behind" });
  const sinkRows = el("tbody", { id: "sinks" });
  const health = el("strong", { id: "health-score", class: "big" }, "–");
  const healthFactors = el("p", { class: "muted", id: "health-factors" });
  const countRows = el("tbody", { id: "collection-counts" });
  const countedAt = el("p", { class: "muted", id: "counted-at" });
  const actionLog = el("pre", { id: "action-log", class: "log" }, "No action yet.");

  const flushButton = el("button", { type: "button", id: "flush-now", class: "primary" }, "Flush now");
  const replaySink = el("select", { id: "replay-sink", "aria-label": "Sink to replay" }, el("option", { value: "" }, "every sink"), ...SINKS.map((s) => el("option", { value: s }, s)));
  const replayButton = el("button", { type: "button", id: "replay-dead-letters" }, "Replay dead letters");
  const quarantineButton = el("button", { type: "button", id: "replay-quarantine" }, "Replay quarantine");
  const reconcileCollection = el("select", { id: "reconcile-collection", "aria-label": "Collection" }, ...COLLECTIONS.map((c) => el("option", { value: c }, c)));
  const reconcileSink = el("select", { id: "reconcile-sink", "aria-label": "Sink" }, ...SINKS.map((s) => el("option", { value: s }, s)));
  const repair = el("input", { type: "checkbox", id: "reconcile-repair" });
  const reconcileButton = el("button", { type: "button", id: "reconcile" }, "Reconcile");

  root.replaceChildren(
    status,
    el(
      "div",
      { class: "grid" },
      el("article", { class: "card" }, el("h2", {}, "Health"), el("div", { class: "completion" }, health, el("span", { class: "muted" }, " of 100")), healthFactors),
      el("article", { class: "card" }, el("h2", {}, "Migration and write-behind"), el("p", {}, "Phase: ", phase, " ", updated), writeBehind),
      el(
        "article",
        { class: "card" },
        el("h2", {}, "Actions"),
        el("div", { class: "controls" }, flushButton, quarantineButton),
        el("div", { class: "controls" }, replaySink, replayButton),
        el("div", { class: "controls" }, reconcileCollection, reconcileSink, el("label", {}, repair, " repair"), reconcileButton),
        actionLog,
      ),
      el(
        "article",
        { class: "card wide" },
        el("h2", {}, "Sinks"),
        el(
          "table",
          { class: "sinks" },
          el("thead", {}, el("tr", {}, ...["sink", "enabled", "queued", "delivered", "failed", "dead letters", "last success", "last error"].map((h) => el("th", {}, h)))),
          sinkRows,
        ),
      ),
      el(
        "article",
        { class: "card wide" },
        el("h2", {}, "Documents per collection"),
        el("table", { class: "sinks" }, el("thead", {}, el("tr", {}, ...["collection", "firestore", ...SINKS].map((h) => el("th", {}, h)))), countRows),
        countedAt,
      ),
    ),
  );

  function render(s: SyncStatusResponse) {
    health.textContent = String(s.health.score);
    health.dataset["value"] = String(s.health.score);
    healthFactors.textContent = Object.entries(s.health.factors)
      .filter(([, factor]) => factor !== null)
      .map(([name, factor]) => `${name} ${factor}`)
      .join(" · ");
    countedAt.textContent = s.collections ? `Counted by the daily reconcile sweep ${ago(s.collections.countedAt)}.` : "Not counted yet: the daily reconcile sweep counts them.";
    countRows.replaceChildren(
      ...Object.entries(s.collections?.counts ?? {}).map(([collection, counts]) =>
        el(
          "tr",
          { "data-collection": collection, class: SINKS.some((sink) => counts[sink] !== undefined && counts[sink] !== counts.firestore) ? "warn" : "" },
          el("th", {}, collection),
          el("td", {}, String(counts.firestore)),
          ...SINKS.map((sink) => el("td", {}, counts[sink] === undefined ? "–" : String(counts[sink]))),
        ),
      ),
    );
    phase.textContent = s.migrationPhase;
    updated.textContent = `· refreshed ${new Date().toLocaleTimeString()}`;
    const flush = s.writeBehind.lastFlush;
    const run = s.writeBehind.lastRun;
    const item = (label: string, value: string | number, id: string) => [el("dt", {}, label), el("dd", { id }, String(value))];
    writeBehind.replaceChildren(
      ...item("Keys in Redis", s.writeBehind.dirtyKeys, "dirty-keys"),
      ...item("Write-behind lag", `${s.writeBehind.oldestDirtyAgeSeconds} s (oldest unflushed window)`, "lag"),
      ...item("Quarantined keys", s.writeBehind.quarantined, "quarantined"),
      ...item("Last scheduled run", run ? `${run.partsDone} of ${run.partsTotal} parts done: ${run.keys} keys, ${run.writes} writes, ${run.failedKeys} failed` : "none yet", "last-run"),
      ...item("Last flush", flush ? `${ago(flush.at)} by ${flush.trigger}` : "none yet", "last-flush"),
      ...item("Last flush wrote", flush ? `${flush.keys} keys, ${flush.writes} writes in ${flush.durationMs} ms, ${flush.remainingDirty} left dirty` : "–", "last-flush-detail"),
    );
    const lastFlush = writeBehind.querySelector<HTMLElement>("#last-flush");
    if (lastFlush && flush?.at) lastFlush.dataset["at"] = flush.at;
    sinkRows.replaceChildren(
      ...SINKS.map((name) => {
        const sink = s.sinks[name];
        return el(
          "tr",
          { "data-sink": name, class: sink.deadLetters > 0 || sink.failed > 0 ? "warn" : "" },
          el("th", {}, name),
          el("td", {}, sink.enabled ? "yes" : "off"),
          el("td", {}, String(sink.queued)),
          el("td", {}, String(sink.delivered)),
          el("td", {}, String(sink.failed)),
          el("td", {}, String(sink.deadLetters)),
          el("td", {}, ago(sink.lastSuccessAt)),
          el("td", { title: sink.lastError ?? "" }, sink.lastErrorAt ? `${ago(sink.lastErrorAt)}: ${(sink.lastError ?? "").slice(0, 80)}` : "none"),
        );
      }),
    );
  }

  async function refresh() {
    try {
      render(await (await session.client()).getSyncStatus());
      status.textContent = "";
    } catch (error) {
      status.textContent = errorText(error);
    }
  }

  async function action(button: HTMLButtonElement, label: string, run: () => Promise<unknown>) {
    button.disabled = true;
    actionLog.textContent = `${label}…`;
    try {
      actionLog.textContent = `${label} (${new Date().toLocaleTimeString()}):\n${JSON.stringify(await run(), null, 2)}`;
    } catch (error) {
      actionLog.textContent = `${label} failed: ${errorText(error)}`;
    } finally {
      button.disabled = false;
      await refresh();
    }
  }

  const lp = () => session.client();
  flushButton.addEventListener("click", () => void action(flushButton, "flushNow", async () => (await lp()).flushNow()));
  quarantineButton.addEventListener("click", () => void action(quarantineButton, "replayQuarantine", async () => (await lp()).replayQuarantine()));
  replayButton.addEventListener("click", () => {
    const sink = replaySink.value as (typeof SINKS)[number] | "";
    void action(replayButton, "replayDeadLetters", async () => (await lp()).replayDeadLetters(sink ? { sink } : {}));
  });
  reconcileButton.addEventListener("click", () => {
    const request = { collection: reconcileCollection.value as MirroredCollection, sink: reconcileSink.value as (typeof SINKS)[number], repair: repair.checked };
    void action(reconcileButton, `reconcile ${request.collection} with ${request.sink}`, async () => (await lp()).reconcile(request));
  });

  every(STATUS_REFRESH_MS, () => (root.hidden ? Promise.resolve() : refresh()));
  return { refresh };
}
