/**
 * The write-behind layout in Redis (DESIGN.md "Data model", docs/architecture.md "Write-behind"), as pure functions.
 *
 * `lp:b:{part}:{uid}:{courseId}` is a hash on the user's shard whose fields are all scoped by flush window `w`:
 *   `{w}:p:{lectureId}:{t}`      the position pinged at time t (ms); the newest t of all is also the last lecture
 *   `{w}:d:{lectureId}`          the lecture's duration, when the player reported it
 *   `{w}:s:{lectureId}:{s}:{e}`  one field per played segment reported in w (a field per segment makes the union free)
 *
 * The key's existence is the only record that it holds work: a flush finds its keys with `SCAN MATCH lp:b:{part}:*`,
 * writes the fields of closed windows to Firestore, and deletes exactly those fields afterwards (Redis deletes a
 * hash with its last field). So a ping is one HSET, whatever happened before it: no dirty set, no mark, no TTL. A
 * late HSET into a window already drained recreates the key and the next flush finds it.
 * A position is a field of its own ping time, not one field overwritten by each ping: an HSET that Redis applies
 * late lands beside the newer pings' fields instead of over them, so no field's value depends on arrival order.
 * `{part}` (BUFFER_PARTITIONS of them per shard, from the uid) splits a shard's keys into parts that flush workers
 * take independently. Ids never contain ":" (schemas/common.ts), so keys and fields split unambiguously.
 */
import { hash } from "node:crypto";
import { normalizeSegments, type Segment } from "./segments.js";

export const KEY_PREFIX = "lp:";
/**
 * Parts per shard. A constant of the layout (it is in every key name): flush workers scale up to shards ×
 * BUFFER_PARTITIONS, and each part's SCAN walks its shard's whole keyspace, so more parts cost more SCAN calls
 * (docs/architecture.md "Scale-out" has the arithmetic).
 */
export const BUFFER_PARTITIONS = 16;

/**
 * A stable 2 × 32-bit hash of a uid: the first word picks the shard, the second the part, so the two are independent.
 * The last one is kept: a ping asks for its user's shard and then for its key, so it hashes once.
 */
let lastHash: { uid: string; words: [number, number] } | undefined;
function uidHash(uid: string): [number, number] {
  if (lastHash?.uid !== uid) {
    // The one-shot hash, as hex: a digest Buffer cost a ping more than the hash itself (docs/benchmarks.md).
    const digest = hash("sha256", uid, "hex");
    lastHash = { uid, words: [parseInt(digest.slice(0, 8), 16), parseInt(digest.slice(8, 16), 16)] };
  }
  return lastHash.words;
}

/** The user's Upstash shard, of `shards`: every path of a user's progress (ping, reads, flush) goes there. */
export function shardOf(uid: string, shards: number): number {
  return shards <= 1 ? 0 : uidHash(uid)[0] % shards;
}

export function partitionOf(uid: string): number {
  return uidHash(uid)[1] % BUFFER_PARTITIONS;
}

const partLabel = (part: number) => String(part).padStart(2, "0");

export const bufferKey = (uid: string, courseId: string) => `${KEY_PREFIX}b:${partLabel(partitionOf(uid))}:${uid}:${courseId}`;
/** The SCAN pattern of one part's keys. */
export const partitionPattern = (part: number) => `${KEY_PREFIX}b:${partLabel(part)}:*`;
export const courseKey = (courseId: string) => `${KEY_PREFIX}course:${courseId}`;

export function parseBufferKey(key: string): { uid: string; courseId: string; part: number } | undefined {
  const match = /^lp:b:(\d{2}):([A-Za-z0-9_-]{1,128}):([A-Za-z0-9_-]{1,128})$/.exec(key);
  return match ? { part: Number(match[1]), uid: match[2] as string, courseId: match[3] as string } : undefined;
}

export interface Ping {
  lectureId: string;
  position: number;
  duration?: number | undefined;
  playedSegments?: readonly Segment[] | undefined;
  atMs: number;
}

/** The fields one ping writes with its single HSET. */
export function pingFields(window: number, ping: Ping): Record<string, string> {
  const w = String(window);
  // Without a prototype the object starts as a dictionary: a field name unique to each ping (the position's ping
  // time) would otherwise make V8 build a new hidden class for every ping (~4x the cost, measured).
  const fields = Object.create(null) as Record<string, string>;
  fields[`${w}:p:${ping.lectureId}:${ping.atMs}`] = String(ping.position);
  if (ping.duration !== undefined) fields[`${w}:d:${ping.lectureId}`] = String(ping.duration);
  for (const [start, end] of ping.playedSegments ?? []) fields[`${w}:s:${ping.lectureId}:${start}:${end}`] = "1";
  return fields;
}

export interface BufferedLecture {
  /** Last acknowledged position and when it was pinged (the newest ping time of all windows). */
  position?: number;
  positionAtMs?: number;
  duration?: number;
  /** Union of every segment buffered for the lecture, all windows. */
  segments: Segment[];
}

export interface BufferedProgress {
  /** Windows present in the hash, ascending. */
  windows: number[];
  /** The lecture of the newest position, and its ping time. */
  lastLecture?: { lectureId: string; atMs: number };
  lectures: Map<string, BufferedLecture>;
}

/** Decodes a progress hash (all windows) into what the buffer says about each lecture. */
export function decodeProgressHash(hash: Record<string, string> | null | undefined): BufferedProgress {
  const windows = new Set<number>();
  const lectures = new Map<string, BufferedLecture & { segmentList: Segment[] }>();
  const lectureOf = (id: string) => {
    let lecture = lectures.get(id);
    if (!lecture) lectures.set(id, (lecture = { segments: [], segmentList: [] }));
    return lecture;
  };
  let lastLecture: { lectureId: string; atMs: number } | undefined;

  for (const [field, value] of Object.entries(hash ?? {})) {
    const [w, kind, lectureId, a, b] = field.split(":");
    const window = Number(w);
    if (!Number.isSafeInteger(window)) continue;
    windows.add(window);
    if (kind === "p" && lectureId && a !== undefined) {
      const position = Number(value);
      const atMs = Number(a);
      if (!Number.isFinite(position) || !Number.isFinite(atMs)) continue;
      const lecture = lectureOf(lectureId);
      if ((lecture.positionAtMs ?? -Infinity) < atMs) {
        lecture.position = position;
        lecture.positionAtMs = atMs;
      }
      if ((lastLecture?.atMs ?? -Infinity) < atMs) lastLecture = { lectureId, atMs };
    } else if (kind === "d" && lectureId) {
      const duration = Number(value);
      if (Number.isFinite(duration) && duration > 0) lectureOf(lectureId).duration = duration;
    } else if (kind === "s" && lectureId && a !== undefined && b !== undefined) {
      lectureOf(lectureId).segmentList.push([Number(a), Number(b)]);
    }
  }

  const result: BufferedProgress = { windows: [...windows].sort((x, y) => x - y), lectures: new Map() };
  if (lastLecture) result.lastLecture = lastLecture;
  for (const [id, { segmentList, ...lecture }] of lectures) {
    result.lectures.set(id, { ...lecture, segments: normalizeSegments(segmentList) });
  }
  return result;
}

/** The fields of windows up to and including `maxWindow`: what a flush deletes once they are in Firestore. */
export function fieldsUpToWindow(hash: Record<string, string>, maxWindow: number): string[] {
  return Object.keys(hash).filter((field) => {
    const window = Number(field.split(":", 1)[0]);
    return Number.isSafeInteger(window) && window <= maxWindow;
  });
}
