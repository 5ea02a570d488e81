// fengari ships no types: ours come with the file, so every program that includes the stack has them.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./fengari.d.ts" />
import fengari from "fengari";
import type { LuaState } from "fengari";
import { ReplyError } from "./reply.ts";
import type { Command, Reply } from "./reply.ts";

const { lua, lauxlib, lualib, to_luastring } = fengari;

/**
 * Runs a Redis script on fengari (Lua 5.3; Redis embeds 5.1), converting values both ways as Redis
 * documents for EVAL. Each run gets a fresh state, so globals never leak between scripts.
 * Not provided: cjson, cmsgpack, bit, struct, redis.setresp, redis.set_repl, 5.1-only syntax quirks.
 */
export function runScript(source: Buffer, keys: Buffer[], argv: Buffer[], call: (command: Command) => Reply): Reply {
  const L: LuaState = lauxlib.luaL_newstate();
  for (const [name, open] of [
    ["_G", lualib.luaopen_base],
    ["table", lualib.luaopen_table],
    ["string", lualib.luaopen_string],
    ["math", lualib.luaopen_math],
  ] as const) {
    lauxlib.luaL_requiref(L, to_luastring(name), open, 1);
    lua.lua_pop(L, 1);
  }
  // Redis runs Lua 5.1, whose global `unpack` became table.unpack; no file access from scripts.
  lauxlib.luaL_dostring(L, to_luastring("unpack = table.unpack; loadfile = nil; dofile = nil; load = nil"));

  pushArray(L, keys);
  lua.lua_setglobal(L, to_luastring("KEYS"));
  pushArray(L, argv);
  lua.lua_setglobal(L, to_luastring("ARGV"));

  lua.lua_newtable(L);
  const redisCall = (protectedCall: boolean) => (state: LuaState) => {
    const count = lua.lua_gettop(state);
    const command: Command = [];
    for (let i = 1; i <= count; i++) {
      const type = lua.lua_type(state, i);
      if (type !== lua.LUA_TSTRING && type !== lua.LUA_TNUMBER) {
        return raise(state, "ERR Lua redis lib command arguments must be strings or integers");
      }
      command.push(Buffer.from(lua.lua_tolstring(state, i) as Uint8Array));
    }
    if (!command.length) return raise(state, "ERR Please specify at least one argument for this redis lib call");
    const reply = call(command);
    if (reply instanceof ReplyError && !protectedCall) return raise(state, reply.message);
    pushReply(state, reply);
    return 1;
  };
  setFunction(L, "call", redisCall(false));
  setFunction(L, "pcall", redisCall(true));
  setFunction(L, "error_reply", (state: LuaState) => (pushTable(state, "err", lua.lua_tolstring(state, 1)), 1));
  setFunction(L, "status_reply", (state: LuaState) => (pushTable(state, "ok", lua.lua_tolstring(state, 1)), 1));
  setFunction(L, "log", () => 0);
  lua.lua_setglobal(L, to_luastring("redis"));

  if (lauxlib.luaL_loadbuffer(L, new Uint8Array(source), null, to_luastring("@user_script")) !== lua.LUA_OK) {
    return new ReplyError(`ERR Error compiling script (new function): ${errorText(L)}`);
  }
  if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
    const error = toReply(L, -1);
    return error instanceof ReplyError ? error : new ReplyError(`ERR ${errorText(L)}`);
  }
  return toReply(L, -1);
}

function errorText(L: LuaState): string {
  const text = lua.lua_tolstring(L, -1) as Uint8Array | null;
  return text ? Buffer.from(text).toString("utf8") : "unknown error";
}

function raise(L: LuaState, message: string): never {
  pushTable(L, "err", to_luastring(message));
  return lua.lua_error(L) as never;
}

function setFunction(L: LuaState, name: string, fn: (state: LuaState) => number): void {
  lua.lua_pushjsfunction(L, fn);
  lua.lua_setfield(L, -2, to_luastring(name));
}

function pushTable(L: LuaState, field: "ok" | "err", value: Uint8Array | null): void {
  lua.lua_newtable(L);
  lua.lua_pushstring(L, value ?? to_luastring(""));
  lua.lua_setfield(L, -2, to_luastring(field));
}

function pushArray(L: LuaState, items: Reply[]): void {
  lua.lua_createtable(L, items.length, 0);
  items.forEach((item, i) => {
    pushReply(L, item);
    lua.lua_rawseti(L, -2, i + 1);
  });
}

/** Redis → Lua: integer → number, bulk → string, nil → false, status → {ok=}, error → {err=}. */
function pushReply(L: LuaState, reply: Reply): void {
  if (reply === null) lua.lua_pushboolean(L, false);
  else if (typeof reply === "number") lua.lua_pushinteger(L, reply);
  else if (typeof reply === "string") pushTable(L, "ok", to_luastring(reply));
  else if (reply instanceof ReplyError) pushTable(L, "err", to_luastring(reply.message));
  else if (Array.isArray(reply)) pushArray(L, reply);
  else lua.lua_pushstring(L, new Uint8Array(reply));
}

/** Lua → Redis: number → integer (truncated), string → bulk, true → 1, false/nil → nil, tables by ok/err or as arrays. */
function toReply(L: LuaState, index: number): Reply {
  switch (lua.lua_type(L, index)) {
    case lua.LUA_TNUMBER:
      return Math.trunc(lua.lua_tonumber(L, index));
    case lua.LUA_TSTRING:
      return Buffer.from(lua.lua_tolstring(L, index) as Uint8Array);
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, index) ? 1 : null;
    case lua.LUA_TTABLE: {
      const table = lua.lua_absindex(L, index);
      for (const field of ["err", "ok"] as const) {
        const type = lua.lua_getfield(L, table, to_luastring(field));
        const text = type === lua.LUA_TSTRING ? Buffer.from(lua.lua_tolstring(L, -1) as Uint8Array).toString("utf8") : undefined;
        lua.lua_pop(L, 1);
        if (text !== undefined) return field === "err" ? new ReplyError(text) : text;
      }
      const items: Reply[] = [];
      for (let i = 1; lua.lua_rawgeti(L, table, i) !== lua.LUA_TNIL; i++) {
        items.push(toReply(L, -1));
        lua.lua_pop(L, 1);
      }
      lua.lua_pop(L, 1);
      return items;
    }
    default:
      return null;
  }
}
