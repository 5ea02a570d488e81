import { ReplyError } from "./reply.ts";

/**
 * Keys, fields and members are held as latin1 strings: one char per byte, so any binary value maps to a
 * unique JS string and back (Buffer.from(s, "latin1")) without loss.
 */
export type Bytes = string;

/** Members carry their insertion sequence so SCAN/SSCAN cursors survive deletions (no element skipped). */
export type Entry = { expiresAt?: number; seq: number } & (
  | { type: "string"; value: Buffer }
  | { type: "hash"; value: Map<Bytes, Buffer> }
  | { type: "set"; value: Map<Bytes, number>; nextSeq: number }
);
export type EntryType = Entry["type"];
type NewEntry = Entry extends infer E ? (E extends Entry ? Omit<E, "seq"> : never) : never;

export const WRONGTYPE = new ReplyError("WRONGTYPE Operation against a key holding the wrong kind of value");
export const NOT_INTEGER = new ReplyError("ERR value is not an integer or out of range");
export const SYNTAX = new ReplyError("ERR syntax error");

/** Thrown inside a command to answer with an error reply. */
export class CommandError extends Error {
  readonly reply: ReplyError;
  constructor(reply: ReplyError) {
    super(reply.message);
    this.reply = reply;
  }
}
export const fail = (reply: ReplyError | string): never => {
  throw new CommandError(typeof reply === "string" ? new ReplyError(reply) : reply);
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Redis's string2ll: optional minus, no plus, no spaces, no leading zeros, within int64. */
export function parseInteger(arg: Bytes, error: ReplyError = NOT_INTEGER): bigint {
  if (!/^-?(0|[1-9][0-9]*)$/.test(arg) || arg === "-0") return fail(error);
  const n = BigInt(arg);
  return n < INT64_MIN || n > INT64_MAX ? fail(error) : n;
}
export const inInt64 = (n: bigint): boolean => n >= INT64_MIN && n <= INT64_MAX;

export class Store {
  private readonly entries = new Map<Bytes, Entry>();
  private nextSeq = 0;
  /** Injected so tests (and Lua's frozen script time) can control expiry. */
  now: () => number = Date.now;

  /** The live entry at key, deleting it first when its TTL has passed (Redis's lazy expiry). */
  get(key: Bytes): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** The entry at key if it has the wanted type; WRONGTYPE otherwise. */
  typed<T extends EntryType>(key: Bytes, type: T): Extract<Entry, { type: T }> | undefined {
    const entry = this.get(key);
    if (entry && entry.type !== type) return fail(WRONGTYPE);
    return entry as Extract<Entry, { type: T }> | undefined;
  }

  /** Stores a new value at key, replacing any old one (and its TTL). */
  put(key: Bytes, entry: NewEntry): Entry {
    this.entries.delete(key); // re-inserting keeps Map order equal to seq order
    const stored = { ...entry, seq: this.nextSeq++ } as Entry;
    this.entries.set(key, stored);
    return stored;
  }

  delete(key: Bytes): boolean {
    return this.get(key) !== undefined && this.entries.delete(key);
  }

  /** Drops an aggregate that became empty, as Redis does. */
  dropIfEmpty(key: Bytes, entry: Entry): void {
    if (entry.type !== "string" && entry.value.size === 0) this.entries.delete(key);
  }

  flush(): void {
    this.entries.clear();
  }

  /** Live keys in insertion (= seq) order, with their entries. */
  *live(): Generator<[Bytes, Entry]> {
    for (const key of [...this.entries.keys()]) {
      const entry = this.get(key);
      if (entry) yield [key, entry];
    }
  }
}

/** Redis glob (stringmatchlen): `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, backslash escapes. */
export function globMatcher(pattern: Bytes): (s: Bytes) => boolean {
  if (pattern === "*") return () => true;
  const lit = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  let source = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") source += "[\\s\\S]*";
    else if (c === "?") source += "[\\s\\S]";
    else if (c === "\\" && i + 1 < pattern.length) source += lit(pattern[++i]!);
    else if (c === "[") {
      let j = i + 1;
      const negate = pattern[j] === "^";
      if (negate) j++;
      let cls = "";
      for (; j < pattern.length && pattern[j] !== "]"; j++) {
        if (pattern[j] === "\\" && j + 1 < pattern.length) cls += lit(pattern[++j]!);
        else if (pattern[j + 1] === "-" && j + 2 < pattern.length && pattern[j + 2] !== "]") {
          const [a, b] = [pattern[j]!, pattern[j + 2]!].sort();
          cls += `${lit(a!)}-${lit(b!)}`;
          j += 2;
        } else cls += lit(pattern[j]!);
      }
      source += cls ? `[${negate ? "^" : ""}${cls}]` : negate ? "[\\s\\S]" : "(?!)";
      i = j;
    } else source += lit(c);
  }
  const re = new RegExp(source + "$");
  return (s) => re.test(s);
}

/** Cursor-based scan over items in seq order: elements present throughout are returned at least once. */
export function scanPage<T>(
  items: Iterable<[T, number]>,
  cursorArg: Bytes,
  count: number,
  keep: (item: T) => boolean,
): [string, T[]] {
  const cursor = parseInteger(cursorArg, new ReplyError("ERR invalid cursor"));
  const page: T[] = [];
  let seen = 0;
  for (const [item, seq] of items) {
    if (BigInt(seq) < cursor) continue;
    if (seen === count) return [String(seq), page];
    seen++;
    if (keep(item)) page.push(item);
  }
  return ["0", page];
}

/** MATCH / COUNT (and TYPE for SCAN) options after the cursor. */
export function scanOptions(args: Bytes[], allowType: boolean): { count: number; match: (s: Bytes) => boolean; type?: string } {
  let count = 10;
  let match = (_: Bytes) => true;
  let type: string | undefined;
  for (let i = 0; i < args.length; i += 2) {
    const option = args[i]!.toUpperCase();
    const value = args[i + 1];
    if (value === undefined) return fail(SYNTAX);
    if (option === "COUNT") {
      const n = parseInteger(value);
      if (n < 1n) return fail(SYNTAX);
      count = Number(n);
    } else if (option === "MATCH") match = globMatcher(value);
    else if (option === "TYPE" && allowType) type = value.toLowerCase();
    else return fail(SYNTAX);
  }
  return { count, match, type };
}
