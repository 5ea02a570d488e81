import { describe, expect, it } from "vitest";
import { buildEnvelope, toJson, versionOf } from "./envelope.js";

const ts = (seconds: number, nanoseconds: number) => ({ seconds, nanoseconds, toDate: () => new Date(seconds * 1000 + nanoseconds / 1e6) });

describe("change envelope", () => {
  it.each([
    [ts(1_700_000_000, 123_456_789), "2023-11-14T22:13:20.123456Z"],
    [ts(1_700_000_000, 0), "2023-11-14T22:13:20.000000Z"],
    [new Date("2026-11-22T01:02:03.004Z"), "2026-11-22T01:02:03.004000Z"],
    ["2026-11-22T01:02:03.5Z", "2026-11-22T01:02:03.500000Z"],
  ])("when the time is %o, then the version is %s (six digits, so versions sort as strings)", (time, version) => {
    expect(versionOf(time)).toBe(version);
  });

  it("when Firestore values are converted, then they become plain JSON", () => {
    const ref = { path: "users/u1", firestore: {} };
    expect(
      toJson({ a: 1, b: "x", c: [true, null], t: ts(1, 0), geo: { latitude: 1, longitude: 2 }, ref, nested: { n: Number.NaN } }),
    ).toEqual({ a: 1, b: "x", c: [true, null], t: "1970-01-01T00:00:01.000000Z", geo: { latitude: 1, longitude: 2 }, ref: "users/u1", nested: { n: "NaN" } });
  });

  it.each([
    [false, true, "CREATE"],
    [true, true, "UPDATE"],
    [true, false, "DELETE"],
  ])("when before exists is %s and after exists is %s, then the operation is %s", (beforeExists, afterExists, operation) => {
    const envelope = buildEnvelope({
      eventId: "e1",
      eventTime: "2026-11-22T00:00:05Z",
      documentPath: "users/u1/progress/c1",
      pathParams: { uid: "u1", courseId: "c1" },
      before: { exists: beforeExists, data: { n: 1 }, updateTime: ts(100, 0) },
      after: { exists: afterExists, data: { n: 2 }, updateTime: ts(200, 0) },
    });
    expect(envelope).toMatchObject({ operation, collection: "progress", documentId: "c1", documentPath: "users/u1/progress/c1" });
    expect(envelope.before).toEqual(beforeExists ? { n: 1 } : null);
    expect(envelope.after).toEqual(afterExists ? { n: 2 } : null);
    // A delete has no update time after it: its version is the event time, later than any version before it.
    expect(envelope.version).toBe(afterExists ? "1970-01-01T00:03:20.000000Z" : "2026-11-22T00:00:05.000000Z");
  });
});
