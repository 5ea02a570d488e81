import { Double, Int32, Long, ObjectId } from "bson";
import { describe, expect, it } from "vitest";
import { equalityFields, formatFields, restoreTypes, toView, valueKey } from "./values.ts";

describe("the two forms of a document", () => {
  it("when a stored document is viewed, then BSON numbers become JS numbers and other values stay", () => {
    const id = new ObjectId();
    expect(toView({ _id: id, a: new Int32(1), b: [new Double(1.5), { c: Long.fromNumber(2) }], d: new Date(0) })).toEqual({
      _id: id,
      a: 1,
      b: [1.5, { c: 2 }],
      d: new Date(0),
    });
  });

  it("when a view is restored, then unchanged numbers keep their type and changed ones take the operator's", () => {
    const old = { same: new Double(2), inc: new Int32(1), list: [Long.fromNumber(1)] };
    const view = { same: 2, inc: 2, list: [1, 7], added: 3 };
    expect(restoreTypes(view, old, new Map([["added", "long" as const]]))).toEqual({
      same: new Double(2),
      inc: new Int32(2),
      list: [Long.fromNumber(1), 7],
      added: Long.fromNumber(3),
    });
  });

  it("when equal values have different number types, then their keys are equal", () => {
    expect(valueKey(new Int32(1))).toBe(valueKey(Long.fromNumber(1)));
    expect(valueKey(new Double(1))).toBe(valueKey(1));
    expect(valueKey("1")).not.toBe(valueKey(1));
    expect(valueKey({ a: 1, b: 2 })).not.toBe(valueKey({ b: 2, a: 1 })); // field order matters, as in BSON
  });

  it("when an upsert's filter has equalities, operators and $and, then only the equalities seed the document", () => {
    const filter = { _id: "x", "a.b": 1, c: { $eq: 2 }, d: { $gt: 3 }, $or: [{ e: 1 }], $and: [{ f: 4 }] };
    expect(equalityFields(filter)).toEqual({ _id: "x", a: { b: 1 }, c: 2, f: 4 });
  });

  it("when a duplicate key is printed, then it reads as MongoDB prints it", () => {
    const id = new ObjectId("65f0a1b2c3d4e5f601234567");
    expect(formatFields({ _id: id })).toBe("{ _id: ObjectId('65f0a1b2c3d4e5f601234567') }");
    expect(formatFields({ email: "a@b", n: new Int32(5) })).toBe('{ email: "a@b", n: 5 }');
  });
});
