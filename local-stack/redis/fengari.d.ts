// fengari 0.1 (a Lua 5.3 VM in JS) ships no types; only what lua.ts uses is declared, loosely.
declare module "fengari" {
  type LuaState = object;
  type Api = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const fengari: { lua: Api; lauxlib: Api; lualib: Api; to_luastring: (s: string) => Uint8Array };
  export default fengari;
  export type { LuaState };
}
