/**
 * The write-behind layout in Redis (DESIGN.md "Data model"), as pure functions.
 *
 * `lp:prog:{uid}:{courseId}` is a hash whose fields are all scoped by flush window `w`:
 *   `{w}:at`                     time of the key's last ping in w (ms) — present from the first ping of w on
 *   `{w}:last`                   the lecture of that last ping
 *   `{w}:p:{lectureId}`          `{position}@{pingTimeMs}`
 *   `{w}:d:{lectureId}`          the lecture's duration, when the player reported it
 *   `{w}:s:{lectureId}:{s}:{e}`  one field per played segment reported in w (a field per segment makes the union free)
 *
 * Because every ping writes `{w}:at` and every field is scoped by w, HSET answers "all N fields were new" exactly
 * when this is the key's first ping in w: only then does the ping also mark the key dirty in `lp:dirty:{w}` and
 * refresh the key's TTL. Every later ping in w is a single HSET.
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
  const fields: Record<string, string> = {
    [`${w}:at`]: String(ping.atMs),
    [`${w}:last`]: ping.lectureId,
    [`${w}:p:${ping.lectureId}`]: `${ping.position}@${ping.atMs}`,
  };
  if (ping.duration !== undefined) fields[`${w}:d:${ping.lectureId}`] = String(ping.duration);
  for (const [start, end] of ping.playedSegments ?? []) fields[`${w}:s:${ping.lectureId}:${start}:${end}`] = "1";
  return fields;
}

export interface BufferedLecture {
  /** Last acknowledged position and when it was pinged (from the newest window that has one). */
  position?: number;
  positionAtMs?: number;
  duration?: number;
  /** Union of every segment buffered for the lecture, all windows. */
  segments: Segment[];
}

export interface BufferedProgress {
  /** Windows present in the hash, ascending. */
  windows: number[];
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
  const lastByWindow = new Map<number, string>();
  const atByWindow = new Map<number, number>();

  for (const [field, value] of Object.entries(hash ?? {})) {
    const [w, kind, lectureId, start, end] = field.split(":");
    const window = Number(w);
    if (!Number.isSafeInteger(window)) continue;
    windows.add(window);
    if (kind === "at") atByWindow.set(window, Number(value));
    else if (kind === "last") lastByWindow.set(window, value);
    else if (kind === "p" && lectureId) {
      const [position, atMs] = value.split("@").map(Number);
      const lecture = lectureOf(lectureId);
      if (Number.isFinite(position) && Number.isFinite(atMs) && (lecture.positionAtMs ?? -Infinity) < (atMs as number)) {
        lecture.position = position as number;
        lecture.positionAtMs = atMs as number;
      }
    } else if (kind === "d" && lectureId) {
      const duration = Number(value);
      if (Number.isFinite(duration) && duration > 0) lectureOf(lectureId).duration = duration;
    } else if (kind === "s" && lectureId && start !== undefined && end !== undefined) {
      lectureOf(lectureId).segmentList.push([Number(start), Number(end)]);
    }
  }

  const sortedWindows = [...windows].sort((a, b) => a - b);
  const newest = sortedWindows.findLast((w) => lastByWindow.has(w));
  const result: BufferedProgress = { windows: sortedWindows, lectures: new Map() };
  if (newest !== undefined) {
    result.lastLecture = { lectureId: lastByWindow.get(newest) as string, atMs: atByWindow.get(newest) ?? 0 };
  }
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
