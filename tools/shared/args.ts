/** Command-line helpers the tools share. */

/** `--name`'s value as a positive number, or an error that names the flag and what it got. */
export function positiveNumber(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
  return n;
}
