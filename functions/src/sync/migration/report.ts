/** How the backfill shows itself: the progress line (rate, ETA) and the final table. Pure. */
import type { BackfillReport, Counts, Progress } from "./backfill.js";
import { LEGACY_CONTAINERS } from "./legacy.js";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function duration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds)) return "?";
  const s = Math.max(0, Math.round(totalSeconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** `student_attempts 1200/2000 · all 1200/5000 (24%) · 850/s · ETA 4s`. */
export function progressLine(progress: Progress): string {
  const rate = progress.elapsedMs > 0 ? (progress.readThisRun * 1000) / progress.elapsedMs : 0;
  const percent = progress.grandTotal > 0 ? Math.floor((progress.doneAll * 100) / progress.grandTotal) : 100;
  const eta = rate > 0 ? (progress.grandTotal - progress.doneAll) / rate : Infinity;
  return `${progress.container} ${progress.done}/${progress.total} · all ${progress.doneAll}/${progress.grandTotal} (${percent}%) · ${Math.round(rate)}/s · ETA ${duration(eta)}`;
}

const COLUMNS: (keyof Counts)[] = ["read", "created", "updated", "unchanged", "skipped", "failed"];

/** The final report as a text table, with the first changed and failed ids under it. */
export function reportTable(report: BackfillReport): string {
  const rows = [["container", ...COLUMNS]];
  for (const name of LEGACY_CONTAINERS) rows.push([name, ...COLUMNS.map((column) => String(report.containers[name].counts[column]))]);
  const widths = rows[0]!.map((_, index) => Math.max(...rows.map((row) => row[index]!.length)));
  const lines = rows.map((row) => row.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join("  "));
  lines.splice(1, 0, widths.map((width) => "-".repeat(width)).join("  "));
  const verb = report.dryRun ? "would change" : "changed";
  for (const name of LEGACY_CONTAINERS) {
    const { changedIds, failures } = report.containers[name];
    if (changedIds.length > 0) lines.push(`${name} ${verb} (first ids): ${changedIds.join(", ")}`);
    for (const failure of failures) lines.push(`${name} failed ${failure.id}: ${failure.reason}`);
  }
  const mode = report.dryRun ? "dry run, nothing written" : `migration_timestamp ${report.migratedAt}`;
  lines.push(`${mode}${report.resumed ? ", resumed from checkpoint" : ""}; ${seconds(report.durationMs)}`);
  return lines.join("\n");
}
