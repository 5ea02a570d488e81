/** Small statistics for benchmarks: these machines are noisy, so figures are medians of repeated runs. */

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Nearest-rank quantile. */
export function quantile(values: number[], q: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A figure measured in rounds: its median and the range it moved in. When do two runs agree: compareRuns. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  rounds: number;
}

export function spread(values: number[], digits = 3): Spread {
  return { median: round(median(values), digits), min: round(Math.min(...values), digits), max: round(Math.max(...values), digits), rounds: values.length };
}

export interface Comparison {
  agree: string[];
  disagree: { figure: string; a: Spread; b: Spread }[];
  /** Plain values: no range to judge them by. */
  unranged: { figure: string; a: unknown; b: unknown }[];
  /** In one run only. */
  missing: string[];
}

const isSpread = (value: unknown): value is Spread =>
  typeof value === "object" && value !== null && ["median", "min", "max", "rounds"].every((key) => typeof (value as Record<string, unknown>)[key] === "number");

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Two runs agree on a figure when their medians differ by no more than the spread each run prints (max − min of its
 * rounds, the narrower of the two): the runs agree within the spread they print.
 */
const agreeWithinSpread = (a: Spread, b: Spread) => Math.abs(a.median - b.median) <= Math.min(a.max - a.min, b.max - b.min) + 1e-9;

/** Compares every figure of two results, nested objects by their dotted path. `skip`: top-level keys that are not figures. */
export function compareRuns(a: Record<string, unknown>, b: Record<string, unknown>, skip = ["benchmark", "at", "machine"]): Comparison {
  const result: Comparison = { agree: [], disagree: [], unranged: [], missing: [] };
  const walk = (left: Record<string, unknown>, right: Record<string, unknown>, prefix: string) => {
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      if (!prefix && skip.includes(key)) continue;
      const figure = prefix + key;
      const [x, y] = [left[key], right[key]];
      if (x === undefined || y === undefined) result.missing.push(figure);
      else if (isSpread(x) && isSpread(y)) {
        if (agreeWithinSpread(x, y)) result.agree.push(figure);
        else result.disagree.push({ figure, a: x, b: y });
      } else if (isRecord(x) && isRecord(y) && !isSpread(x) && !isSpread(y)) walk(x, y, `${figure}.`);
      else result.unranged.push({ figure, a: x, b: y });
    }
  };
  walk(a, b, "");
  return result;
}

/** Progress lines go to stderr; stdout carries only the JSON result. */
export const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
