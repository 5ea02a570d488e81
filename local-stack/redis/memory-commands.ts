import { ReplyError } from "./reply.ts";
import type { Reply } from "./reply.ts";
import { SYNTAX, WRONGTYPE, fail, inInt64, parseInteger, scanOptions, scanPage, globMatcher } from "./memory-store.ts";
import type { Bytes, Entry, Store } from "./memory-store.ts";

/** arity as in Redis's command table: n = exactly n words, -n = at least n (the name counts). */
export interface CommandSpec {
  arity: number;
  run: (store: Store, args: Bytes[]) => Reply;
}

const bulk = (s: Bytes): Buffer => Buffer.from(s, "latin1");
const int = (n: bigint | number | boolean): number => Number(n);

function setMembers(store: Store, key: Bytes): Map<Bytes, number> {
  return store.typed(key, "set")?.value ?? new Map();
}

function addMembers(store: Store, key: Bytes, members: Bytes[]): number {
  const entry = store.typed(key, "set") ?? store.put(key, { type: "set", value: new Map(), nextSeq: 0 });
  if (entry.type !== "set") return 0;
  let added = 0;
  for (const m of members) {
    if (entry.value.has(m)) continue;
    entry.value.set(m, entry.nextSeq++);
    added++;
  }
  return added;
}

/** EXPIRE family: sets an absolute deadline in ms, honouring NX/XX/GT/LT (Redis 7). */
function expire(store: Store, key: Bytes, deadline: number, options: Bytes[], name: string): number {
  const flags = new Set(options.map((o) => o.toUpperCase()));
  for (const f of flags) if (!["NX", "XX", "GT", "LT"].includes(f)) return fail(`ERR Unsupported option ${f}`);
  if (flags.has("NX") && flags.size > 1) return fail("ERR NX and XX, GT or LT options at the same time are not compatible");
  if (flags.has("GT") && flags.has("LT")) return fail("ERR GT and LT options at the same time are not compatible");
  if (!Number.isSafeInteger(deadline)) return fail(`ERR invalid expire time in '${name}' command`);
  const entry = store.get(key);
  if (!entry) return 0;
  const current = entry.expiresAt ?? Infinity; // no TTL counts as infinite for GT/LT
  if (flags.has("NX") && entry.expiresAt !== undefined) return 0;
  if (flags.has("XX") && entry.expiresAt === undefined) return 0;
  if (flags.has("GT") && !(deadline > current)) return 0;
  if (flags.has("LT") && !(deadline < current)) return 0;
  if (deadline <= store.now()) store.delete(key);
  else entry.expiresAt = deadline;
  return 1;
}

function ttl(store: Store, key: Bytes, unitMs: number): number {
  const entry = store.get(key);
  if (!entry) return -2;
  if (entry.expiresAt === undefined) return -1;
  const left = entry.expiresAt - store.now();
  return unitMs === 1 ? left : Math.floor((left + 500) / 1000);
}

function incrBy(store: Store, key: Bytes, by: bigint): number {
  const entry = store.typed(key, "string");
  const current = entry ? parseInteger(entry.value.toString("latin1")) : 0n;
  const next = current + by;
  if (!inInt64(next)) return fail("ERR increment or decrement would overflow");
  if (entry) entry.value = bulk(String(next));
  else store.put(key, { type: "string", value: bulk(String(next)) });
  return int(next);
}

function set(store: Store, [key, value, ...options]: Bytes[]): Reply {
  let condition: "NX" | "XX" | undefined;
  let get = false;
  let keepTtl = false;
  let deadline: number | undefined;
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!.toUpperCase();
    if ((o === "NX" || o === "XX") && !condition) condition = o;
    else if (o === "GET" && !get) get = true;
    else if (o === "KEEPTTL" && deadline === undefined && !keepTtl) keepTtl = true;
    else if (["EX", "PX", "EXAT", "PXAT"].includes(o) && deadline === undefined && !keepTtl && options[i + 1] !== undefined) {
      const n = parseInteger(options[++i]!);
      const ms = Number(o === "EX" || o === "EXAT" ? n * 1000n : n);
      if (n <= 0n || !Number.isSafeInteger(ms)) return fail("ERR invalid expire time in 'set' command");
      deadline = o === "EX" || o === "PX" ? store.now() + ms : ms;
    } else return fail(SYNTAX);
  }
  const old = store.get(key!);
  if (get && old && old.type !== "string") return fail(WRONGTYPE);
  const previous = get ? (old?.type === "string" ? old.value : null) : "OK";
  if ((condition === "NX" && old) || (condition === "XX" && !old)) return get ? previous : null;
  store.put(key!, { type: "string", value: bulk(value!), expiresAt: keepTtl ? old?.expiresAt : deadline });
  return previous;
}

function hashEntry(store: Store, key: Bytes): Extract<Entry, { type: "hash" }> {
  return store.typed(key, "hash") ?? (store.put(key, { type: "hash", value: new Map() }) as Extract<Entry, { type: "hash" }>);
}

export const COMMANDS: Record<string, CommandSpec> = {
  PING: { arity: -1, run: (_, [message]) => (message === undefined ? "PONG" : bulk(message)) },
  ECHO: { arity: 2, run: (_, [message]) => bulk(message!) },
  INFO: { arity: -1, run: () => bulk("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nlearnpulse_backend:in-process\r\n") },
  FLUSHALL: { arity: -1, run: (store) => (store.flush(), "OK") },
  FLUSHDB: { arity: -1, run: (store) => (store.flush(), "OK") },
  DBSIZE: { arity: 1, run: (store) => [...store.live()].length },
  TYPE: { arity: 2, run: (store, [key]) => store.get(key!)?.type ?? "none" },
  GET: { arity: 2, run: (store, [key]) => store.typed(key!, "string")?.value ?? null },
  MGET: { arity: -2, run: (store, keys) => keys.map((k) => { const e = store.get(k); return e?.type === "string" ? e.value : null; }) },
  SET: { arity: -3, run: set },
  MSET: {
    arity: -3,
    run: (store, args) => {
      if (args.length % 2) return fail("ERR wrong number of arguments for 'mset' command");
      for (let i = 0; i < args.length; i += 2) store.put(args[i]!, { type: "string", value: bulk(args[i + 1]!) });
      return "OK";
    },
  },
  DEL: { arity: -2, run: (store, keys) => keys.filter((k) => store.delete(k)).length },
  UNLINK: { arity: -2, run: (store, keys) => keys.filter((k) => store.delete(k)).length },
  EXISTS: { arity: -2, run: (store, keys) => keys.filter((k) => store.get(k)).length },
  EXPIRE: { arity: -3, run: (s, [k, n, ...o]) => expire(s, k!, s.now() + Number(parseInteger(n!)) * 1000, o, "expire") },
  PEXPIRE: { arity: -3, run: (s, [k, n, ...o]) => expire(s, k!, s.now() + Number(parseInteger(n!)), o, "pexpire") },
  EXPIREAT: { arity: -3, run: (s, [k, n, ...o]) => expire(s, k!, Number(parseInteger(n!)) * 1000, o, "expireat") },
  PEXPIREAT: { arity: -3, run: (s, [k, n, ...o]) => expire(s, k!, Number(parseInteger(n!)), o, "pexpireat") },
  PERSIST: {
    arity: 2,
    run: (store, [key]) => {
      const entry = store.get(key!);
      if (entry?.expiresAt === undefined) return 0;
      delete entry.expiresAt;
      return 1;
    },
  },
  TTL: { arity: 2, run: (store, [key]) => ttl(store, key!, 1000) },
  PTTL: { arity: 2, run: (store, [key]) => ttl(store, key!, 1) },
  INCR: { arity: 2, run: (store, [key]) => incrBy(store, key!, 1n) },
  DECR: { arity: 2, run: (store, [key]) => incrBy(store, key!, -1n) },
  INCRBY: { arity: 3, run: (store, [key, by]) => incrBy(store, key!, parseInteger(by!)) },
  DECRBY: { arity: 3, run: (store, [key, by]) => incrBy(store, key!, -parseInteger(by!)) },
  KEYS: { arity: 2, run: (store, [pattern]) => { const m = globMatcher(pattern!); return [...store.live()].filter(([k]) => m(k)).map(([k]) => bulk(k)); } },
  SCAN: {
    arity: -2,
    run: (store, [cursor, ...options]) => {
      const { count, match, type } = scanOptions(options, true);
      const items = (function* () { for (const [k, e] of store.live()) yield [[k, e], e.seq] as [[Bytes, Entry], number]; })();
      const [next, page] = scanPage(items, cursor!, count, ([k, e]) => match(k) && (!type || e.type === type));
      return [bulk(next), page.map(([k]) => bulk(k))];
    },
  },

  HSET: {
    arity: -4,
    run: (store, [key, ...pairs]) => {
      if (pairs.length % 2) return fail("ERR wrong number of arguments for 'hset' command");
      const entry = hashEntry(store, key!);
      let added = 0;
      for (let i = 0; i < pairs.length; i += 2) {
        if (!entry.value.has(pairs[i]!)) added++;
        entry.value.set(pairs[i]!, bulk(pairs[i + 1]!));
      }
      return added;
    },
  },
  HSETNX: {
    arity: 4,
    run: (store, [key, field, value]) => {
      const entry = hashEntry(store, key!);
      if (entry.value.has(field!)) return 0;
      entry.value.set(field!, bulk(value!));
      return 1;
    },
  },
  HGET: { arity: 3, run: (store, [key, field]) => store.typed(key!, "hash")?.value.get(field!) ?? null },
  HMGET: { arity: -3, run: (store, [key, ...fields]) => { const h = store.typed(key!, "hash")?.value; return fields.map((f) => h?.get(f) ?? null); } },
  HGETALL: { arity: 2, run: (store, [key]) => [...(store.typed(key!, "hash")?.value ?? [])].flatMap(([f, v]) => [bulk(f), v]) },
  HKEYS: { arity: 2, run: (store, [key]) => [...(store.typed(key!, "hash")?.value.keys() ?? [])].map(bulk) },
  HVALS: { arity: 2, run: (store, [key]) => [...(store.typed(key!, "hash")?.value.values() ?? [])] },
  HEXISTS: { arity: 3, run: (store, [key, field]) => int(store.typed(key!, "hash")?.value.has(field!) ?? false) },
  HLEN: { arity: 2, run: (store, [key]) => store.typed(key!, "hash")?.value.size ?? 0 },
  HDEL: {
    arity: -3,
    run: (store, [key, ...fields]) => {
      const entry = store.typed(key!, "hash");
      if (!entry) return 0;
      const removed = fields.filter((f) => entry.value.delete(f)).length;
      store.dropIfEmpty(key!, entry);
      return removed;
    },
  },
  HINCRBY: {
    arity: 4,
    run: (store, [key, field, by]) => {
      const increment = parseInteger(by!);
      const entry = hashEntry(store, key!);
      const old = entry.value.get(field!);
      const current = old === undefined ? 0n : parseInteger(old.toString("latin1"), new ReplyError("ERR hash value is not an integer"));
      const next = current + increment;
      if (!inInt64(next)) return fail("ERR increment or decrement would overflow");
      entry.value.set(field!, bulk(String(next)));
      return int(next);
    },
  },

  SADD: { arity: -3, run: (store, [key, ...members]) => addMembers(store, key!, members) },
  SREM: {
    arity: -3,
    run: (store, [key, ...members]) => {
      const entry = store.typed(key!, "set");
      if (!entry) return 0;
      const removed = members.filter((m) => entry.value.delete(m)).length;
      store.dropIfEmpty(key!, entry);
      return removed;
    },
  },
  SMEMBERS: { arity: 2, run: (store, [key]) => [...setMembers(store, key!).keys()].map(bulk) },
  SISMEMBER: { arity: 3, run: (store, [key, member]) => int(setMembers(store, key!).has(member!)) },
  SMISMEMBER: { arity: -3, run: (store, [key, ...members]) => { const s = setMembers(store, key!); return members.map((m) => int(s.has(m))); } },
  SCARD: { arity: 2, run: (store, [key]) => setMembers(store, key!).size },
  SSCAN: {
    arity: -3,
    run: (store, [key, cursor, ...options]) => {
      const { count, match } = scanOptions(options, false);
      const [next, page] = scanPage(setMembers(store, key!), cursor!, count, match);
      return [bulk(next), page.map(bulk)];
    },
  },
  SPOP: {
    arity: -2,
    run: (store, [key, countArg, ...rest]) => {
      if (rest.length) return fail(SYNTAX);
      const count = countArg === undefined ? undefined : parseInteger(countArg, new ReplyError("ERR value is out of range, must be positive"));
      if (count !== undefined && count < 0n) return fail("ERR value is out of range, must be positive");
      const entry = store.typed(key!, "set");
      const popped: Buffer[] = [];
      const members = [...(entry?.value.keys() ?? [])];
      for (let n = count ?? 1n; n > 0n && members.length; n--) {
        const [m] = members.splice(Math.floor(Math.random() * members.length), 1);
        entry!.value.delete(m!);
        popped.push(bulk(m!));
      }
      if (entry) store.dropIfEmpty(key!, entry);
      return count === undefined ? (popped[0] ?? null) : popped;
    },
  },
  SMOVE: {
    arity: 4,
    run: (store, [source, destination, member]) => {
      const from = store.typed(source!, "set");
      store.typed(destination!, "set");
      if (!from?.value.has(member!)) return 0;
      if (source === destination) return 1;
      from.value.delete(member!);
      store.dropIfEmpty(source!, from);
      addMembers(store, destination!, [member!]);
      return 1;
    },
  },
  SUNION: { arity: -2, run: (store, keys) => [...new Set(keys.flatMap((k) => [...setMembers(store, k).keys()]))].map(bulk) },
  SUNIONSTORE: {
    arity: -3,
    run: (store, [destination, ...keys]) => {
      const union = new Set(keys.flatMap((k) => [...setMembers(store, k).keys()]));
      store.delete(destination!);
      if (union.size) addMembers(store, destination!, [...union]);
      return union.size;
    },
  },
};

/** Unknown command and arity errors, worded as Redis 7 words them. */
export function checkCommand(name: string, args: Bytes[], given: string): ReplyError | undefined {
  const spec = COMMANDS[name];
  if (!spec) {
    const shown = args.slice(0, 20).map((a) => `'${a.slice(0, 128)}' `).join("");
    return new ReplyError(`ERR unknown command '${given}', with args beginning with: ${shown}`);
  }
  const words = args.length + 1;
  if (spec.arity > 0 ? words !== spec.arity : words < -spec.arity) {
    return new ReplyError(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
  }
  return undefined;
}
