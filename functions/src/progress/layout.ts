/**
 * The write-behind layout in Redis (DESIGN.md "Data model"), as pure functions.
 *
 * `lp:prog:{uid}:{courseId}` is a hash whose fields are all scoped by flush window `w`:
 *   `{w}:at`                     time of a ping in w (ms) — present from the key's first ping of w on
 *   `{w}:p:{lectureId}:{t}`      the position pinged at time t (ms); the newest t of all is also the last lecture
 *   `{w}:d:{lectureId}`          the lecture's duration, when the player reported it
 *   `{w}:s:{lectureId}:{s}:{e}`  one field per played segment reported in w (a field per segment makes the union free)
 *
 * Because every ping writes `{w}:at` and every field is scoped by w, HSET answers "all N fields were new" exactly
 * when this is the key's first ping in w: only then does the ping also mark the key dirty in `lp:dirty:{w}` and
 * refresh the key's TTL. Every later ping in w is a single HSET.
 * A position is a field of its own ping time, not one field overwritten by each ping: an HSET that Redis applies
 * late (it timed out, and the ping went to Firestore) lands beside the newer pings' fields instead of over them.
 * So no field's value depends on the order in which HSETs arrive.
 * Ids never contain ":" (schemas/common.ts), so fields split unambiguously.
 */
import { normalizeSegments, type Segment } from "./segments.js";

export const KEY_PREFIX = "lp:";
/** 24 h (DESIGN.md): refreshed once per window, so an active student's buffer never expires under them. */
export const PROGRESS_TTL_SECONDS = 24 * 3600;

export const progressKey = (uid: string, courseId: string) => `${KEY_PREFIX}prog:${uid}:${courseId}`;
export const dirtyKey = (window: number) => `${KEY_PREFIX}dirty:${window}`;
export const courseKey = (courseId: string) => `${KEY_PREFIX}course:${courseId}`;
export const DIRTY_PATTERN = `${KEY_PREFIX}dirty:*`;

export function parseProgressKey(key: string): { uid: string; courseId: string } | undefined {
  const match = /^lp:prog:([A-Za-z0-9_-]{1,128}):([A-Za-z0-9_-]{1,128})$/.exec(key);
  return match ? { uid: match[1] as string, courseId: match[2] as string } : undefined;
}

export function parseDirtyKey(key: string): number | undefined {
  const match = /^lp:dirty:(\d+)$/.exec(key);
  return match ? Number(match[1]) : undefined;
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
  fields[`${w}:at`] = String(ping.atMs);
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
