import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BUFFER_PARTITIONS, bufferKey, decodeProgressHash, fieldsUpToWindow, parseBufferKey, partitionOf, partitionPattern, pingFields, shardOf } from "./layout.js";

describe("write-behind layout", () => {
  it("when a ping is encoded, then every field is scoped by its window", () => {
    const fields = pingFields(7, { lectureId: "l1", position: 42.5, duration: 120, playedSegments: [[0, 40]], atMs: 1000 });
    expect({ ...fields }).toEqual({ "7:p:l1:1000": "42.5", "7:d:l1": "120", "7:s:l1:0:40": "1" });
  });

  it("when an older ping's fields are written after a newer ping's, then the newer position still wins", () => {
    const newer = pingFields(7, { lectureId: "l1", position: 25, atMs: 2000 });
    const older = pingFields(7, { lectureId: "l2", position: 20, atMs: 1000 });
    const buffered = decodeProgressHash({ ...newer, ...older }); // HSET semantics: the later write's values win
    expect(buffered.lectures.get("l1")).toMatchObject({ position: 25, positionAtMs: 2000 });
    expect(buffered.lastLecture).toEqual({ lectureId: "l1", atMs: 2000 });
  });

  it("when pings of several windows are in the hash, then the newest position wins and segments are unioned", () => {
    const hash = {
      ...pingFields(7, { lectureId: "l1", position: 50, playedSegments: [[0, 50]], atMs: 1000 }),
      ...pingFields(8, { lectureId: "l1", position: 10, duration: 300, playedSegments: [[40, 60], [100, 110]], atMs: 2000 }),
      ...pingFields(8, { lectureId: "l2", position: 5, atMs: 2500 }),
    };
    const buffered = decodeProgressHash(hash);
    expect(buffered.windows).toEqual([7, 8]);
    expect(buffered.lastLecture).toEqual({ lectureId: "l2", atMs: 2500 });
    expect(buffered.lectures.get("l1")).toEqual({ position: 10, positionAtMs: 2000, duration: 300, segments: [[0, 60], [100, 110]] });
    expect(buffered.lectures.get("l2")).toEqual({ position: 5, positionAtMs: 2500, segments: [] });
  });

  it("when values come back as strings, then numbers are numbers again", () => {
    const lecture = decodeProgressHash({ "3:p:l1:99": "12.25", "3:d:l1": "60" }).lectures.get("l1");
    expect(lecture?.position).toBe(12.25);
    expect(lecture?.duration).toBe(60);
  });

  it("when the hash is missing or empty, then nothing is buffered", () => {
    expect(decodeProgressHash(null)).toEqual({ windows: [], lectures: new Map() });
  });

  it("when a flush drains up to a window, then only fields of that window and older are deleted", () => {
    const hash = { ...pingFields(7, { lectureId: "l1", position: 1, atMs: 1 }), ...pingFields(9, { lectureId: "l1", position: 2, atMs: 2 }) };
    expect(fieldsUpToWindow(hash, 8).sort()).toEqual(["7:p:l1:1"]);
  });

  it("when keys are parsed, then only well-formed keys from validated ids are accepted", () => {
    expect(parseBufferKey(bufferKey("u-1", "c_2"))).toEqual({ uid: "u-1", courseId: "c_2", part: partitionOf("u-1") });
    expect(parseBufferKey("lp:b:03:u:1:c")).toBeUndefined();
    expect(parseBufferKey("lp:b:3:u:c")).toBeUndefined();
  });

  it("when a user's key is named, then it falls under its part's SCAN pattern and no other", () => {
    const key = bufferKey("student-42", "course-1");
    const matches = (pattern: string) => key.startsWith(pattern.slice(0, -1));
    const parts = Array.from({ length: BUFFER_PARTITIONS }, (_, part) => part).filter((part) => matches(partitionPattern(part)));
    expect(parts).toEqual([partitionOf("student-42")]);
  });

  it("when 20,000 uids are spread, then shards and parts are stable and even within 10%, and independent of each other", () => {
    const uids = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
    for (const shards of [2, 3, 4]) {
      const counts = new Array<number>(shards).fill(0);
      for (const uid of uids) counts[shardOf(uid, shards)]! += 1;
      for (const count of counts) expect(Math.abs(count - uids.length / shards)).toBeLessThan((0.1 * uids.length) / shards);
    }
    // Within one shard of three, every part still gets its share: the part does not follow from the shard.
    const parts = new Array<number>(BUFFER_PARTITIONS).fill(0);
    const inShard = uids.filter((uid) => shardOf(uid, 3) === 1);
    for (const uid of inShard) parts[partitionOf(uid)]! += 1;
    for (const count of parts) expect(Math.abs(count - inShard.length / BUFFER_PARTITIONS)).toBeLessThan((0.2 * inShard.length) / BUFFER_PARTITIONS);
    expect(shardOf("user-7", 3)).toBe(shardOf("user-7", 3));
    expect(shardOf("user-7", 1)).toBe(0);
  });

  it("when a uid is placed, then its shard and part come from the first two 32-bit words of its SHA-256, as in every release", () => {
    // Deployed buffers sit where this placement put them: a change of hash would strand them on the wrong shard.
    for (const uid of ["user-7", "student-42", "a", "Z_z-9"]) {
      const digest = createHash("sha256").update(uid).digest();
      expect(shardOf(uid, 7)).toBe(digest.readUInt32BE(0) % 7);
      expect(partitionOf(uid)).toBe(digest.readUInt32BE(4) % BUFFER_PARTITIONS);
    }
  });
});
