import { describe, expect, it } from "vitest";
import { decodeProgressHash, fieldsUpToWindow, parseDirtyKey, parseProgressKey, pingFields, progressKey } from "./layout.js";

describe("write-behind layout", () => {
  it("when a ping is encoded, then every field is scoped by its window and the marker is always present", () => {
    const fields = pingFields(7, { lectureId: "l1", position: 42.5, duration: 120, playedSegments: [[0, 40]], atMs: 1000 });
    expect(fields).toEqual({ "7:at": "1000", "7:p:l1:1000": "42.5", "7:d:l1": "120", "7:s:l1:0:40": "1" });
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
    expect(fieldsUpToWindow(hash, 8).sort()).toEqual(["7:at", "7:p:l1:1"]);
  });

  it("when keys are parsed, then only well-formed keys from validated ids are accepted", () => {
    expect(parseProgressKey(progressKey("u-1", "c_2"))).toEqual({ uid: "u-1", courseId: "c_2" });
    expect(parseProgressKey("lp:prog:u:1:c")).toBeUndefined();
    expect(parseDirtyKey("lp:dirty:5889")).toBe(5889);
    expect(parseDirtyKey("lp:dirty:x")).toBeUndefined();
  });
});
