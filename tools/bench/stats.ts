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

/** Progress lines go to stderr; stdout carries only the JSON result. */
export const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
