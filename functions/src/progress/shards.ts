/**
 * Where a user's buffer lives (docs/operations.md "Resharding"): the shard of the layout in force and, while a reshard
 * is in progress, the shard of the previous layout, which still holds what the user pinged before the switch.
 */
import { shardCounts } from "../config.js";
import { shardOf } from "./layout.js";

export interface UserShards {
  current: number;
  /** Set only during a reshard, and only when it differs from `current`. */
  previous?: number;
}

export function userShards(uid: string, counts = shardCounts()): UserShards {
  const current = shardOf(uid, counts.current);
  const previous = counts.previous ? shardOf(uid, counts.previous) : current;
  return previous === current ? { current } : { current, previous };
}

/** Every shard the flush drains: those of the layout in force and, during a reshard, of the previous one. */
export function allShards(counts = shardCounts()): number[] {
  return Array.from({ length: Math.max(counts.current, counts.previous) }, (_, shard) => shard);
}
