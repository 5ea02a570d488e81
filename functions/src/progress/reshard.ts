/**
 * The check of a reshard (docs/operations.md "Resharding"): after the switch, a shard may still hold buffer keys of
 * users whose shard is now another, until the flush has drained their windows. A reshard is finished only when no
 * shard holds any such key.
 */
import type { Redis } from "@upstash/redis";
import { scanPages } from "../adapters/redis-scan.js";
import { parseBufferKey, shardOf } from "./layout.js";

export interface MisplacedReport {
  shard: number;
  /** Buffer keys on this shard. */
  keys: number;
  /** Of those, keys whose user the layout in force puts on another shard. */
  misplaced: number;
  /** A few of them, for the operator. */
  sample: string[];
}

const SAMPLE = 5;

/** Scans every shard's buffer keys (one SCAN per 1,000 keys): `caches[n]` is shard n, `shards` the count in force. */
export async function misplacedKeys(caches: readonly Pick<Redis, "scan">[], shards: number, onShard?: (report: MisplacedReport) => void): Promise<MisplacedReport[]> {
  const reports: MisplacedReport[] = [];
  for (const [shard, cache] of caches.entries()) {
    const report: MisplacedReport = { shard, keys: 0, misplaced: 0, sample: [] };
    const seen = new Set<string>();
    for await (const page of scanPages(cache, "lp:b:*")) {
      for (const key of page) {
        const ids = parseBufferKey(key);
        if (!ids || seen.has(key)) continue;
        seen.add(key);
        report.keys++;
        if (shardOf(ids.uid, shards) !== shard) {
          report.misplaced++;
          if (report.sample.length < SAMPLE) report.sample.push(key);
        }
      }
    }
    onShard?.(report);
    reports.push(report);
  }
  return reports;
}
