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

/** A figure measured in rounds: its median and the range it moved in. Two runs agree when each median lies within the other's range. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  rounds: number;
}

export function spread(values: number[], digits = 3): Spread {
  return { median: round(median(values), digits), min: round(Math.min(...values), digits), max: round(Math.max(...values), digits), rounds: values.length };
}

/** Progress lines go to stderr; stdout carries only the JSON result. */
export const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
