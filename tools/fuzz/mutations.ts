/**
 * Mutations of valid payloads: one to three edits at random places of the payload tree (the root included) — a wrong
 * type, a missing or an extra field (`uid`, `__proto__`, `@type`, ...), huge strings, deep nesting, NaN/±Infinity/-0
 * through the protocol's number encodings, negative and huge numbers, unicode and control characters, lone
 * surrogates, and ids with `/`, `..`, `__name__`, `:` or nothing at all.
 */
import fc from "fast-check";
import { DOUBLE_TYPE, INT64_TYPE, RawJson, UINT64_TYPE, deepNesting, encodedNumber, withField, type WireValue } from "./wire.ts";

/** The callables refuse bodies over 64 KiB (functions/src/callable.ts MAX_REQUEST_BYTES): strings on both sides of it. */
export const BODY_CAP = 64 * 1024;

const ID_TRAPS = [
  "",
  " ",
  "a/b",
  "..",
  ".",
  "../users/victim",
  "users/victim/progress/demo-course",
  "__name__",
  "__proto__",
  "constructor",
  "a:b",
  "lp:prog:victim:demo-course",
  "*",
  "%2F",
  "a".repeat(129),
  "demo-course\u0000",
  "demo\ncourse",
  "é",
  "\u202edemo",
  "\ud800",
  "a\udc00b",
  "😀",
];

const numberEdges = fc.constantFrom(-0, -1, -1e-9, 0.5, 1e308, -1e308, 5e-324, 2 ** 53 + 2, -(2 ** 63), 2 ** 64, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER);

/**
 * NaN, ±Infinity and friends as a client can put them on the wire, encodings that are not numbers at all, and those of
 * ordinary numbers ("12", "-0", an integer), which firebase-functions decodes to a number that may be valid where it
 * lands (shapes.ts judges that).
 */
const encodedNumbers = fc.oneof(
  fc
    .tuple(fc.constantFrom(INT64_TYPE, UINT64_TYPE), fc.constantFrom("NaN", "Infinity", "-Infinity", "1e999", "-0", "12", "9007199254740993", "abc", "", "0x10"))
    .map(([type, value]) => encodedNumber(type, value)),
  fc.tuple(fc.constantFrom(INT64_TYPE, UINT64_TYPE), fc.oneof(fc.integer(), fc.constant(null), fc.constant<WireValue>({}))).map(([type, value]) => encodedNumber(type, value)),
  fc.constantFrom("NaN", "Infinity", "-0").map((value) => encodedNumber(DOUBLE_TYPE, value)),
  fc.constant<WireValue>({ "@type": "type.googleapis.com/google.protobuf.Timestamp", value: "2026-01-01T00:00:00Z" }),
  fc.constant<WireValue>({ "@type": "", value: "1" }),
  fc.constant<WireValue>({ "@type": 5 }),
);

const controlChars = fc.string({ unit: fc.integer({ min: 0, max: 31 }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 20 });
const loneSurrogates = fc.tuple(fc.string({ maxLength: 5 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 5 })).map(([a, unit, b]) => `${a}${String.fromCharCode(unit)}${b}`);
const hugeStrings = fc.oneof(
  fc.integer({ min: 129, max: 5_000 }),
  fc.integer({ min: 5_000, max: BODY_CAP - 2_000 }),
  fc.integer({ min: BODY_CAP, max: BODY_CAP * 2 }),
).chain((length) => fc.constantFrom("a", "é", "😀", "/").map((unit) => unit.repeat(Math.ceil(length / unit.length))));
const strings = fc.oneof(fc.constantFrom(...ID_TRAPS), fc.string({ unit: "binary", maxLength: 50 }), fc.string({ unit: "grapheme", maxLength: 50 }), controlChars, loneSurrogates, hugeStrings);

const deep = fc.tuple(fc.oneof(fc.integer({ min: 3, max: 64 }), fc.integer({ min: 64, max: 5_000 }), fc.integer({ min: 5_000, max: 30_000 })), fc.constantFrom("array" as const, "object" as const)).map(([depth, kind]) => deepNesting(depth, kind));

/** A value to put where a valid one was. */
export const weirdValue: fc.Arbitrary<WireValue> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<WireValue> },
  { weight: 2, arbitrary: numberEdges },
  { weight: 2, arbitrary: encodedNumbers },
  { weight: 4, arbitrary: strings },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: fc.constantFrom<WireValue>(null, true, false, 0, "", [], {}, [[]], [null]) },
);

const EXTRA_KEYS = ["uid", "userId", "user", "__proto__", "constructor", "prototype", "@type", "extra", "__name__", "data", "admin", "courseId"];

type Mutation =
  | { kind: "replace"; at: number; value: WireValue }
  | { kind: "delete"; at: number }
  | { kind: "add"; at: number; key: string; value: WireValue }
  | { kind: "wrap"; at: number; inObject: boolean };

const at = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("replace" as const), at, value: weirdValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), at }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("add" as const), at, key: fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ maxLength: 10 })), value: weirdValue }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("wrap" as const), at, inObject: fc.boolean() }) },
);

/** Valid payloads with one to three mutations applied. */
export function mutationsOf(valid: fc.Arbitrary<WireValue>): fc.Arbitrary<WireValue> {
  // Copies: fast-check hands out the same instance of a constant again and again, and edits change trees in place.
  return fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([payload, edits]) => edits.reduce((root, edit) => apply(root, copyEdit(edit)), copy(payload)));
}

function copyEdit(edit: Mutation): Mutation {
  return "value" in edit ? { ...edit, value: copy(edit.value) } : edit;
}

/** A deep copy that keeps RawJson and own `__proto__` keys (structuredClone keeps neither). */
function copy(value: WireValue): WireValue {
  if (Array.isArray(value)) return value.map(copy);
  if (!isObject(value)) return value;
  return Object.entries(value).reduce((out, [key, item]) => withField(out, key, copy(item)), {} as { [key: string]: WireValue });
}

type Path = (string | number)[];

function apply(root: WireValue, edit: Mutation): WireValue {
  const paths = pathsOf(root);
  const path = paths[Math.floor(edit.at * paths.length)] as Path;
  const current = valueAt(root, path);
  if (edit.kind === "add") {
    const target = isObject(current) ? current : {};
    return setAt(root, path, withField(target, edit.key, edit.value));
  }
  if (edit.kind === "wrap") return setAt(root, path, edit.inObject ? { value: current } : [current]);
  if (edit.kind === "replace" || path.length === 0) return setAt(root, path, edit.kind === "replace" ? edit.value : null);
  const parent = valueAt(root, path.slice(0, -1));
  const key = path[path.length - 1] as string | number;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else if (isObject(parent)) delete parent[key as string];
  return root;
}

/** Every place in the tree, the root first. */
function pathsOf(value: WireValue, prefix: Path = []): Path[] {
  const children = Array.isArray(value)
    ? value.flatMap((item, index) => pathsOf(item, [...prefix, index]))
    : isObject(value)
      ? Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key]))
      : [];
  return [prefix, ...children];
}

function valueAt(root: WireValue, path: Path): WireValue {
  return path.reduce<WireValue>((node, key) => (node as Record<string | number, WireValue>)[key] as WireValue, root);
}

function setAt(root: WireValue, path: Path, value: WireValue): WireValue {
  if (path.length === 0) return value;
  const parent = valueAt(root, path.slice(0, -1)) as Record<string | number, WireValue>;
  const key = path[path.length - 1] as string | number;
  if (Array.isArray(parent)) parent[key as number] = value;
  else withField(parent as { [key: string]: WireValue }, key as string, value);
  return root;
}

function isObject(value: WireValue | undefined): value is { [key: string]: WireValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof RawJson);
}
