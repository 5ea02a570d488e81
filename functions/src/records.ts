/**
 * Records keyed by ids (watchTimes, coverage, durations by lecture id). An id is any name Id allows, and some
 * are names every object inherits (`valueOf`, `constructor`, `toString`): `record["valueOf"]` on a record
 * without that key is Object.prototype.valueOf, not undefined. Read such records only through this.
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
