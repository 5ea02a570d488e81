import { describe, expect, it } from "vitest";
import { MAX_DEPTH, screenRequest, screenedIssues } from "./on-callable.js";

const INT64 = "type.googleapis.com/google.protobuf.Int64Value";

function screen(data: unknown) {
  const req = { body: { data } };
  screenRequest(req);
  return { data: req.body.data, issues: screenedIssues(req) };
}

describe("screening callable data before firebase-functions decodes it", () => {
  it("when data holds only plain JSON and decodable number encodings, then it is left as it is and nothing is noted", () => {
    const data = { courseId: "c", position: { "@type": INT64, value: "12" }, list: [1, { "@type": "", x: 1 }] };
    expect(screen(structuredClone(data))).toEqual({ data, issues: undefined });
  });

  it("when an encoding cannot be decoded (NaN, a non-number value, an unknown @type), then it becomes null and its path is noted", () => {
    const { data, issues } = screen({ a: { "@type": INT64, value: "NaN" }, b: [{ "@type": INT64, value: {} }], c: { "@type": "type.googleapis.com/google.protobuf.DoubleValue", value: "1" } });
    expect(data).toEqual({ a: null, b: [null], c: null });
    expect(issues?.map((issue) => issue.path)).toEqual(["a", "b.0", "c"]);
  });

  it("when @type or value is an object that cannot become a string (its own toString, deep nesting), then it is noted without converting it", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const { data, issues } = screen({ a: { "@type": { toString: true } }, b: { "@type": deep }, c: { "@type": INT64, value: { toString: 1 } } });
    expect(data).toEqual({ a: null, b: null, c: null });
    expect(issues?.map((issue) => issue.path)).toEqual(["a", "b", "c"]);
  });

  it("when data itself is an undecodable encoding, then the root is noted", () => {
    expect(screen({ "@type": 5 })).toEqual({ data: null, issues: [{ path: "", message: "encoded value cannot be decoded" }] });
  });

  it(`when data nests deeper than ${MAX_DEPTH} levels, then the deep part becomes null and is noted, however deep it goes`, () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const { issues } = screen({ answer: deep });
    expect(issues).toEqual([{ path: `answer${".0".repeat(MAX_DEPTH - 1)}`, message: `nested deeper than ${MAX_DEPTH} levels` }]);
  });

  it("when an object has an own __proto__ key, then the key is removed and named as an unknown field", () => {
    const data = JSON.parse('{"courseId":"c","__proto__":{"admin":true}}') as Record<string, unknown>;
    const { issues } = screen(data);
    expect(Object.keys(data)).toEqual(["courseId"]);
    expect(issues).toEqual([{ path: "__proto__", message: "unknown field" }]);
  });

  it("when the body has no data, then the screen leaves it to onCall's own check", () => {
    const req = { body: { other: 1 } };
    screenRequest(req);
    expect(screenedIssues(req)).toBeUndefined();
  });
});
