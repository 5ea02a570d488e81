/**
 * The activity heat map as a calendar grid: one column per week (Sunday first), one row per weekday, the oldest
 * day at the top left, as GitHub's contribution graph. Dates are the user's local dates (API.md), so weekdays are
 * computed on the date itself, not on an instant.
 */
export interface HeatmapDay {
  date: string;
  count: number;
}

export interface HeatmapCell extends HeatmapDay {
  week: number;
  weekday: number;
  /** 0 (no activity) to 4 (the busiest quarter of the busiest day). */
  level: number;
}

const weekdayOf = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();

export function heatmapCells(days: readonly HeatmapDay[]): HeatmapCell[] {
  const offset = days[0] ? weekdayOf(days[0].date) : 0;
  const max = Math.max(1, ...days.map((day) => day.count));
  return days.map((day, index) => ({
    ...day,
    week: Math.floor((index + offset) / 7),
    weekday: (index + offset) % 7,
    level: day.count === 0 ? 0 : Math.min(4, Math.ceil((day.count / max) * 4)),
  }));
}

const SVG = "http://www.w3.org/2000/svg";
const CELL = 11;
const GAP = 2;
const LEFT = 28;
const TOP = 14;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function renderHeatmap(days: readonly HeatmapDay[]): SVGSVGElement {
  const cells = heatmapCells(days);
  const weeks = (cells.at(-1)?.week ?? 0) + 1;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${LEFT + weeks * (CELL + GAP)} ${TOP + 7 * (CELL + GAP)}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Activity over the last ${days.length} days`);
  svg.classList.add("heatmap");
  const text = (x: number, y: number, content: string) => {
    const label = document.createElementNS(SVG, "text");
    label.setAttribute("x", String(x));
    label.setAttribute("y", String(y));
    label.textContent = content;
    svg.append(label);
  };
  for (const [row, name] of [[1, "Mon"], [3, "Wed"], [5, "Fri"]] as const) text(0, TOP + row * (CELL + GAP) + CELL - 2, name);
  for (const cell of cells) {
    const x = LEFT + cell.week * (CELL + GAP);
    if (cell.date.endsWith("-01") || (cell === cells[0] && Number(cell.date.slice(8)) < 8)) {
      text(x, TOP - 4, MONTHS[Number(cell.date.slice(5, 7)) - 1] ?? "");
    }
    const rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("x", String(x));
    rect.setAttribute("y", String(TOP + cell.weekday * (CELL + GAP)));
    rect.setAttribute("width", String(CELL));
    rect.setAttribute("height", String(CELL));
    rect.setAttribute("rx", "2");
    rect.setAttribute("class", `level-${cell.level}`);
    rect.dataset["date"] = cell.date;
    rect.dataset["count"] = String(cell.count);
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${cell.date}: ${cell.count} ${cell.count === 1 ? "activity" : "activities"}`;
    rect.append(title);
    svg.append(rect);
  }
  return svg;
}
