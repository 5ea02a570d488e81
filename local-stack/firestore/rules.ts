/**
 * Firestore Security Rules for the local stand-in (dev and test tooling, never deployed), so client requests are
 * refused here as in production without the official emulator's JVM. It reads the usual forms of a rules file:
 * nested match blocks with `{x}` and `{x=**}` wildcards, allow statements, functions with `let`, the common
 * operators and methods, path literals, get() and exists(). An error in a condition denies, as in Firestore.
 * The parser is rules-parser.ts; this file evaluates what it builds.
 *
 * A query is judged without its documents, because rules are not filters: `resource.data` is known only where the
 * query pins a field with ==, anything else is unknown, and the query passes only when a condition is true whatever
 * the unknowns are (three-valued, Kleene logic).
 *
 * Not implemented (using them denies): the duration, latlng, bytes and set types; timestamp methods and arithmetic;
 * the math, timestamp, duration and hashing namespaces; request.query; getAfter() and existsAfter(); map diff();
 * collection-group queries. Integers and floats are both JS numbers, so `1.0 is int`. Regexes are JavaScript's, not
 * RE2.
 */
import { own, Parser, type Allow, type Block, type Expr, type FunctionDef, type MatchBlock, type Segment } from "./rules-parser.ts";
import type { RestFields, RestValue } from "./values.ts";

export interface RulesAuth {
  uid: string;
  /** The decoded ID token's claims. */
  token: Record<string, unknown>;
}
export type RulesMethod = "get" | "list" | "create" | "update" | "delete";
export type RulesValue = null | boolean | number | string | Date | RulesValue[] | { [key: string]: RulesValue };
/** Reads another document for get()/exists(): its data, or null when it does not exist. Path is relative to the database's documents, e.g. "users/u1". */
export type DocumentLookup = (path: string) => Record<string, RulesValue> | null;
export interface RulesRequest {
  method: RulesMethod;
  /**
   * The document path relative to /databases/(default)/documents, e.g. "users/u1/progress/c1". For "list", the
   * collection path ("activities", "users/u1/progress"): it is matched as the collection plus an unknown document id.
   */
  path: string;
  auth: RulesAuth | null;
  /** get/update/delete: the stored document's data (null when missing). Not used for list. */
  resource?: Record<string, RulesValue> | null;
  /** list: the equality filters of the query (field path → value). */
  equalities?: Record<string, RulesValue>;
  /** create/update: the document's data after the write. */
  requestResource?: Record<string, RulesValue>;
  /** request.time. @default now */
  time?: Date;
}
export interface Ruleset {
  allows(request: RulesRequest, lookup: DocumentLookup): boolean;
}


// Firestore: "Maximum function call depth: 20" (Security Rules limits).
const MAX_CALL_DEPTH = 20;
const ROOT = ["databases", "(default)", "documents"];


/** What a query leaves open: a field it does not pin, a document id. */
const UNKNOWN = Symbol("unknown");

class RulesPath {
  readonly segments: readonly string[];
  constructor(segments: readonly string[]) {
    this.segments = segments;
  }
  toString() {
    return `/${this.segments.join("/")}`;
  }
}

/** A map known only in part (a queried document's data): any other field reads as UNKNOWN. */
class PartialMap {
  readonly fields: Record<string, Val>;
  constructor(fields: Record<string, Val>) {
    this.fields = fields;
  }
}

type Val = RulesValue | RulesPath | PartialMap | typeof UNKNOWN | Val[] | { [key: string]: Val };

/** A failed evaluation: the condition denies. */
class RulesError extends Error {}

const fail = (message: string): never => {
  throw new RulesError(message);
};

function attempt<T>(run: () => T): T | RulesError {
  try {
    return run();
  } catch (err) {
    if (err instanceof RulesError) return err;
    throw err;
  }
}

function isMap(v: Val | undefined): v is { [key: string]: Val } {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function unknownIn(v: Val | undefined): boolean {
  if (v === UNKNOWN || v instanceof PartialMap) return true;
  return Array.isArray(v) ? v.some(unknownIn) : isMap(v) && Object.values(v).some(unknownIn);
}

const asString = (v: Val | undefined): string => (typeof v === "string" ? v : fail("expected a string"));
const asList = (v: Val | undefined): Val[] => (Array.isArray(v) ? v : fail("expected a list"));
const truth = (v: Val): boolean | typeof UNKNOWN => (v === UNKNOWN || typeof v === "boolean" ? v : fail("expected a boolean"));
const contains = (items: Val[], x: Val) => items.some((item) => equal(item, x));

/** matches() tests the whole string, as RE2's FullMatch does. */
function regex(pattern: Val | undefined): RegExp {
  const source = asString(pattern);
  try {
    return new RegExp(`^(?:${source})$`, "u");
  } catch {
    return fail(`invalid regex ${source}`);
  }
}

function equal(a: Val, b: Val): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof RulesPath && b instanceof RulesPath) return a.toString() === b.toString();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i] as Val));
  if (!isMap(a) || !isMap(b)) return a === b;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && equal(a[k] as Val, b[k] as Val));
}

function compare(a: Val, b: Val): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  return fail("only numbers, strings and timestamps compare");
}

function arithmetic(op: string, a: Val, b: Val): Val {
  if (op === "+" && typeof a === "string" && typeof b === "string") return a + b;
  if (op === "+" && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (typeof a !== "number" || typeof b !== "number") return fail(`${op} needs numbers`);
  const integers = Number.isInteger(a) && Number.isInteger(b);
  if (integers && b === 0 && (op === "/" || op === "%")) return fail("division by zero");
  if (op === "+") return a + b;
  if (op === "-") return a - b;
  if (op === "*") return a * b;
  // Integer division truncates in the rules language.
  if (op === "/") return integers ? Math.trunc(a / b) : a / b;
  return a % b;
}

function binary(op: string, a: Val, b: Val): Val {
  if (op === "in" && b instanceof PartialMap && typeof a === "string") return Object.hasOwn(b.fields, a) || UNKNOWN;
  if (unknownIn(a) || unknownIn(b)) return UNKNOWN;
  if (op === "==" || op === "!=") return equal(a, b) === (op === "==");
  if (op === "<") return compare(a, b) < 0;
  if (op === "<=") return compare(a, b) <= 0;
  if (op === ">") return compare(a, b) > 0;
  if (op === ">=") return compare(a, b) >= 0;
  if (op !== "in") return arithmetic(op, a, b);
  if (Array.isArray(b)) return contains(b, a);
  return isMap(b) ? typeof a === "string" && Object.hasOwn(b, a) : fail("`in` needs a list or a map");
}

/**
 * && and || as Firestore has them, which Kleene logic extends: the deciding value (false for &&, true for ||) on
 * either side wins over an error or an unknown on the other, so `resource.data.x == 1 || true` allows.
 */
function logical(decisive: boolean, left: Expr, right: Expr, s: Scope): Val {
  const a = attempt(() => truth(evaluate(left, s)));
  if (a === decisive) return decisive;
  const b = attempt(() => truth(evaluate(right, s)));
  if (b === decisive) return decisive;
  if (a === !decisive) {
    if (b instanceof RulesError) throw b;
    return b;
  }
  if (a === UNKNOWN || b === UNKNOWN) return UNKNOWN;
  throw a;
}

function conditional(e: Extract<Expr, { k: "cond" }>, s: Scope): Val {
  const cond = truth(evaluate(e.cond, s));
  if (cond !== UNKNOWN) return evaluate(cond ? e.then : e.otherwise, s);
  // Either branch may be taken: only a value both agree on is known.
  const a = attempt(() => evaluate(e.then, s));
  const b = attempt(() => evaluate(e.otherwise, s));
  return a instanceof RulesError || b instanceof RulesError || unknownIn(a) || unknownIn(b) || !equal(a, b) ? UNKNOWN : a;
}

/** `a.b` and `a[b]`: a map's field, a list's or a path's item. A missing field is an error, as in Firestore. */
function member(object: Val, key: Val): Val {
  if (object === UNKNOWN || key === UNKNOWN) return UNKNOWN;
  if (object instanceof PartialMap && typeof key === "string") return Object.hasOwn(object.fields, key) ? (object.fields[key] as Val) : UNKNOWN;
  if (isMap(object) && typeof key === "string") return Object.hasOwn(object, key) ? (object[key] as Val) : fail(`no field ${key}`);
  const items = Array.isArray(object) ? object : object instanceof RulesPath ? object.segments : undefined;
  if (items && typeof key === "number" && Number.isInteger(key) && key >= 0 && key < items.length) return items[key] as Val;
  return fail(`cannot read [${String(key)}]`);
}

const TYPES: Record<string, (v: Val) => boolean> = {
  bool: (v) => typeof v === "boolean",
  int: (v) => typeof v === "number" && Number.isInteger(v),
  float: (v) => typeof v === "number" && !Number.isInteger(v),
  number: (v) => typeof v === "number",
  string: (v) => typeof v === "string",
  list: (v) => Array.isArray(v),
  map: (v) => isMap(v) || v instanceof PartialMap,
  timestamp: (v) => v instanceof Date,
  path: (v) => v instanceof RulesPath,
  null: (v) => v === null,
};

/** `map.get(key, default)`; a list key walks nested maps. */
function mapGet(map: Val, key: Val, fallback: Val): Val {
  let node = map;
  for (const k of Array.isArray(key) ? key.map(asString) : [asString(key)]) {
    if (node instanceof PartialMap) node = Object.hasOwn(node.fields, k) ? (node.fields[k] as Val) : UNKNOWN;
    else if (isMap(node) && Object.hasOwn(node, k)) node = node[k] as Val;
    else return node === UNKNOWN ? UNKNOWN : fallback;
  }
  return node;
}

// A method's arity is its parameter count less the receiver.
type Method<T> = (self: T, ...args: Val[]) => Val;
const STRING_METHODS: Record<string, Method<string>> = {
  size: (self) => [...self].length,
  matches: (self, pattern) => regex(pattern).test(self),
  lower: (self) => self.toLowerCase(),
  upper: (self) => self.toUpperCase(),
};
const LIST_METHODS: Record<string, Method<Val[]>> = {
  size: (self) => self.length,
  hasAll: (self, other) => asList(other).every((x) => contains(self, x)),
  hasAny: (self, other) => asList(other).some((x) => contains(self, x)),
  hasOnly: (self, other) => self.every((x) => contains(asList(other), x)),
  join: (self, separator) => self.map(asString).join(asString(separator)),
};
const MAP_METHODS: Record<string, Method<{ [key: string]: Val }>> = {
  size: (self) => Object.keys(self).length,
  keys: (self) => Object.keys(self),
  values: (self) => Object.values(self),
  get: (self, key, fallback) => mapGet(self, key, fallback),
};

function invoke<T>(table: Record<string, Method<T>>, self: T, name: string, args: Val[]): Val {
  const method = own(table, name) ?? fail(`no method ${name}()`);
  return method.length === args.length + 1 ? method(self, ...args) : fail(`${name}() takes ${method.length - 1} arguments`);
}

function callMethod(self: Val, name: string, args: Val[]): Val {
  // get() is the one question a partly known map can answer: the field is pinned, or it is unknown.
  if (self instanceof PartialMap && name === "get" && !args.some(unknownIn)) return invoke({ get: mapGet }, self, name, args);
  if (unknownIn(self) || args.some(unknownIn)) return UNKNOWN;
  if (typeof self === "string") return invoke(STRING_METHODS, self, name, args);
  if (Array.isArray(self)) return invoke(LIST_METHODS, self, name, args);
  return isMap(self) ? invoke(MAP_METHODS, self, name, args) : fail(`no method ${name}()`);
}

const resourceOf = (segments: readonly string[], data: Record<string, RulesValue>): Val => ({ data, id: segments.at(-1) ?? "", __name__: new RulesPath(segments) });

/** get(path) and exists(path), the built-in functions that read other documents. */
function builtin(name: string, args: Val[], lookup: DocumentLookup): Val {
  if (name !== "get" && name !== "exists") return fail(`unknown function ${name}()`);
  const [path] = args;
  if (args.length !== 1) return fail(`${name}() takes 1 argument`);
  if (unknownIn(path)) return UNKNOWN;
  if (!(path instanceof RulesPath)) return fail(`${name}() takes a path`);
  const [databases, , documents, ...rest] = path.segments;
  if (databases !== "databases" || documents !== "documents" || rest.length === 0 || rest.length % 2) fail(`${path} is not a document`);
  const data = lookup(rest.join("/"));
  return name === "exists" ? data !== null : data && resourceOf(path.segments, data);
}

interface Scope {
  vars: ReadonlyMap<string, Val>;
  functions: ReadonlyMap<string, { def: FunctionDef; scope: Scope }>;
  lookup: DocumentLookup;
  /** Function calls in progress. */
  depth: number;
}

/** A match block's scope: its wildcards, and its functions, which see the scope they are declared in. */
function enter(outer: Scope, bound: Iterable<[string, Val]>, functions: FunctionDef[]): Scope {
  const declared = new Map(outer.functions);
  const scope: Scope = { ...outer, vars: new Map([...outer.vars, ...bound]), functions: declared };
  for (const def of functions) declared.set(def.name, { def, scope });
  return scope;
}

function call(name: string, args: Val[], s: Scope): Val {
  const fn = s.functions.get(name);
  if (!fn) return builtin(name, args, s.lookup);
  const { def, scope } = fn;
  if (args.length !== def.params.length) return fail(`${name}() takes ${def.params.length} arguments`);
  if (s.depth >= MAX_CALL_DEPTH) return fail("function calls nest too deep");
  const vars = new Map(scope.vars);
  def.params.forEach((param, i) => vars.set(param, args[i] as Val));
  const inner: Scope = { ...scope, vars, depth: s.depth + 1 };
  for (const [variable, value] of def.lets) vars.set(variable, evaluate(value, inner));
  return evaluate(def.body, inner);
}

function pathValue(segments: (string | Expr)[][], s: Scope): Val {
  const out: string[] = [];
  for (const parts of segments) {
    const values = parts.map((part) => (typeof part === "string" ? part : evaluate(part, s)));
    if (values.some(unknownIn)) return UNKNOWN;
    // $(p) splices a path's segments, as for the value of a {document=**} wildcard.
    out.push(...values.map((v) => (v instanceof RulesPath ? v.segments.join("/") : asString(v))).join("").split("/"));
  }
  return new RulesPath(out);
}

function evaluate(e: Expr, s: Scope): Val {
  switch (e.k) {
    case "literal":
      return e.value;
    case "name":
      return s.vars.has(e.name) ? (s.vars.get(e.name) as Val) : fail(`unknown variable ${e.name}`);
    case "list":
      return e.items.map((item) => evaluate(item, s));
    case "map":
      return Object.fromEntries(e.entries.map(([key, value]) => [asString(evaluate(key, s)), evaluate(value, s)]));
    case "member":
      return member(evaluate(e.object, s), e.name);
    case "index":
      return member(evaluate(e.object, s), evaluate(e.index, s));
    case "call":
      return call(e.name, e.args.map((arg) => evaluate(arg, s)), s);
    case "method":
      return callMethod(evaluate(e.object, s), e.name, e.args.map((arg) => evaluate(arg, s)));
    case "unary": {
      const v = evaluate(e.operand, s);
      if (v === UNKNOWN) return UNKNOWN;
      if (e.op === "!") return typeof v === "boolean" ? !v : fail("! needs a boolean");
      return typeof v === "number" ? -v : fail("- needs a number");
    }
    case "binary":
      if (e.op === "&&" || e.op === "||") return logical(e.op === "||", e.left, e.right, s);
      return binary(e.op, evaluate(e.left, s), evaluate(e.right, s));
    case "is": {
      const v = evaluate(e.operand, s);
      return v === UNKNOWN ? UNKNOWN : (own(TYPES, e.type) ?? fail(`unsupported type ${e.type}`))(v);
    }
    case "cond":
      return conditional(e, s);
    case "path":
      return pathValue(e.segments, s);
  }
}

/** Stands for a list request's document id: any wildcard matches it, binding UNKNOWN; no literal does. */
const ANY_ID = Symbol("any document id");
type PathSegment = string | typeof ANY_ID;

/** Every way `pattern` matches path[from…]: where it stops and what its wildcards bind. */
function* matchPattern(pattern: Segment[], path: PathSegment[], from: number, recursiveMin: number, bound: [string, Val][] = []): Generator<[number, [string, Val][]]> {
  const [head, ...tail] = pattern;
  if (!head) {
    yield [from, bound];
  } else if ("literal" in head) {
    if (path[from] === head.literal) yield* matchPattern(tail, path, from + 1, recursiveMin, bound);
  } else {
    const last = head.recursive ? path.length : Math.min(from + 1, path.length);
    for (let end = head.recursive ? from + recursiveMin : from + 1; end <= last; end++) {
      const taken = path.slice(from, end);
      const value = taken.includes(ANY_ID) ? UNKNOWN : head.recursive ? new RulesPath(taken as string[]) : (taken[0] as string);
      yield* matchPattern(tail, path, end, recursiveMin, [...bound, [head.wildcard, value]]);
    }
  }
}

/** A queried document's data: the fields the query pins with == ("a.b" nests), every other field unknown. */
function partialData(equalities: Record<string, RulesValue>): PartialMap {
  const root = new PartialMap(Object.create(null) as Record<string, Val>);
  for (const [fieldPath, value] of Object.entries(equalities)) {
    const keys = fieldPath.split(".");
    const last = keys.pop() as string;
    let node = root;
    for (const key of keys) {
      const child = node.fields[key];
      node = child instanceof PartialMap ? child : (node.fields[key] = new PartialMap(Object.create(null) as Record<string, Val>));
    }
    node.fields[last] = value;
  }
  return root;
}

class CompiledRules implements Ruleset {
  readonly #service: Block;
  /** rules_version 2: `{x=**}` matches zero or more segments; version 1: one or more. */
  readonly #recursiveMin: number;

  constructor(service: Block, version: string) {
    this.#service = service;
    this.#recursiveMin = version === "2" ? 0 : 1;
  }

  allows(request: RulesRequest, lookup: DocumentLookup): boolean {
    const docPath = [...ROOT, ...request.path.split("/")];
    const listing = request.method === "list";
    const req: Record<string, Val> = {
      auth: request.auth && { uid: request.auth.uid, token: request.auth.token as Record<string, Val> },
      method: request.method,
      path: new RulesPath(docPath),
      time: request.time ?? new Date(),
    };
    if (request.requestResource) req.resource = resourceOf(docPath, request.requestResource);
    const resource = listing ? new PartialMap({ data: partialData(request.equalities ?? {}) }) : request.resource ? resourceOf(docPath, request.resource) : null;
    const root: Scope = { vars: new Map(), functions: new Map(), lookup, depth: 0 };
    const scope = enter(root, [["request", req], ["resource", resource]], this.#service.functions);
    const path: PathSegment[] = listing ? [...docPath, ANY_ID] : docPath;
    return this.#service.children.some((block) => this.#visit(block, path, 0, request.method, scope));
  }

  /** Any allow statement of any block matching the whole path allows: overlapping matches OR together. */
  #visit(block: MatchBlock, path: PathSegment[], from: number, method: RulesMethod, outer: Scope): boolean {
    for (const [end, bound] of matchPattern(block.pattern, path, from, this.#recursiveMin)) {
      const scope = enter(outer, bound, block.functions);
      if (end === path.length && block.allows.some((allow) => allow.methods.includes(method) && permits(allow, scope))) return true;
      if (block.children.some((child) => this.#visit(child, path, end, method, scope))) return true;
    }
    return false;
  }
}

/** Only a definite true allows: false, unknown, an error or a non-boolean deny. */
function permits(allow: Allow, scope: Scope): boolean {
  const condition = allow.condition;
  return !condition || attempt(() => evaluate(condition, scope)) === true;
}

/** Parses a rules file; a syntax error throws with its line:column. */
export function parseRules(source: string): Ruleset {
  const { version, service } = new Parser(source).file();
  return new CompiledRules(service, version);
}

/** The stand-in's stored fields as the plain values the evaluator takes. */
export function restFieldsToRules(fields: RestFields): Record<string, RulesValue> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, restValueToRules(value)]));
}

function restValueToRules(value: RestValue): RulesValue {
  if ("nullValue" in value) return null;
  if ("booleanValue" in value) return value.booleanValue;
  if ("integerValue" in value) return Number(value.integerValue);
  if ("doubleValue" in value) return value.doubleValue;
  // Date keeps milliseconds: finer digits are dropped.
  if ("timestampValue" in value) return new Date(value.timestampValue);
  if ("stringValue" in value) return value.stringValue;
  // Rules have bytes and reference (path) types; this evaluator sees them as their base64 text and document name.
  if ("bytesValue" in value) return value.bytesValue;
  if ("referenceValue" in value) return value.referenceValue;
  if ("geoPointValue" in value) return { ...value.geoPointValue };
  // proto3 JSON may leave out an empty list's values and an empty map's fields.
  if ("arrayValue" in value) return (value.arrayValue.values ?? []).map(restValueToRules);
  return restFieldsToRules(value.mapValue.fields ?? {});
}
