import { describe, expect, it } from "vitest";
import { canonicalJson, contentHash, verdictOf, without } from "./compare.js";
import { cosmosKeyOf, pathOfCosmosKey, pathParamsOf } from "./keys.js";
import { versionOfMicros } from "./readers/bigquery.js";

describe("content hashes", () => {
  it("when two objects hold the same content in another key order, then their canonical JSON and hash are equal", () => {
    const a = { b: 1, a: { y: [1, { q: null, p: "x" }], x: true } };
    const b = { a: { x: true, y: [1, { p: "x", q: null }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"x":true,"y":[1,{"p":"x","q":null}]},"b":1}');
    expect(contentHash(a)).toBe(contentHash(b));
  });

  it("when a value, an array order or a key differs, then the hash differs", () => {
    const base = contentHash({ a: [1, 2], b: "x" });
    expect(contentHash({ a: [2, 1], b: "x" })).not.toBe(base);
    expect(contentHash({ a: [1, 2], b: "y" })).not.toBe(base);
    expect(contentHash({ a: [1, 2], c: "x" })).not.toBe(base);
    expect(contentHash({ a: [1, 2], b: "x", c: null })).not.toBe(base);
  });

  it("when system fields are left out, then only content is compared", () => {
    expect(without({ _v: "1", _deleted: false, a: 1 }, new Set(["_v", "_deleted"]))).toEqual({ a: 1 });
  });
});

describe("verdicts", () => {
  const expected = { path: "answers/a1", version: "2024-05-01T00:00:00.000002Z", hash: "h1" };

  it("when the sink has no copy or a tombstone, then the document is missing", () => {
    expect(verdictOf(expected, undefined)).toBe("missing");
    expect(verdictOf(expected, { version: "2024-05-01T00:00:00.000002Z", deleted: true, hash: "h1" })).toBe("missing");
  });

  it("when the sink's version is older, then it is stale, whatever its content", () => {
    expect(verdictOf(expected, { version: "2024-05-01T00:00:00.000001Z", deleted: false, hash: "h1" })).toBe("stale");
  });

  it("when the version is the same and the content differs, then it is changed; the same content is ok", () => {
    expect(verdictOf(expected, { version: expected.version, deleted: false, hash: "h2" })).toBe("changed");
    expect(verdictOf(expected, { version: expected.version, deleted: false, hash: "h1" })).toBe("ok");
  });

  it("when the sink holds a newer version (a change after Firestore's page was read), then it is ok for this run", () => {
    expect(verdictOf(expected, { version: "2024-05-01T00:00:00.000003Z", deleted: false, hash: "h2" })).toBe("ok");
  });
});

describe("keys", () => {
  it("when a path fits its trigger pattern, then its params are the trigger's; otherwise none", () => {
    expect(pathParamsOf("users/{uid}/progress/{courseId}", "users/u1/progress/c1")).toEqual({ uid: "u1", courseId: "c1" });
    expect(pathParamsOf("users/{uid}/progress/{courseId}", "courses/x/progress/c1")).toBeUndefined();
    expect(pathParamsOf("answers/{answerId}", "answers/a/b/c")).toBeUndefined();
  });

  it("when a path maps to a Cosmos id and back, then it is the same path (competency ids hold ~ themselves)", () => {
    for (const path of ["answers/a1", "users/u1", "users/u1/progress/c1", "users/u1/competencies/math~alg~lin"]) {
      const collection = path.split("/").at(-2) ?? "";
      expect(pathOfCosmosKey(collection, cosmosKeyOf(path))).toBe(path);
    }
    expect(cosmosKeyOf("users/u1")).toBe("u1");
  });

  it("when BigQuery answers microseconds since the epoch, then the version keeps all six digits", () => {
    expect(versionOfMicros(1_714_521_600_123_456)).toBe("2024-05-01T00:00:00.123456Z");
  });
});
