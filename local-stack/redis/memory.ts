import { createHash } from "node:crypto";
import { COMMANDS, checkCommand } from "./memory-commands.ts";
import { CommandError, Store, fail, parseInteger } from "./memory-store.ts";
import type { Bytes } from "./memory-store.ts";
import { runScript } from "./lua.ts";
import { FREE_COMMANDS, ReplyError, commandName } from "./reply.ts";
import type { Backend, Command, Reply } from "./reply.ts";

const sha1 = (source: Buffer): string => createHash("sha1").update(source).digest("hex");

/**
 * Redis in this process: a small engine over Maps (memory-commands.ts) plus fengari for scripts. It runs
 * every command synchronously, so a batch is atomic by construction and MULTI/EXEC only needs Redis's
 * queue-time checks (unknown command, arity) to discard the whole transaction.
 */
export function startInProcess(): Backend {
  const store = new Store();
  const scripts = new Map<string, Buffer>();

  const execute = (command: Command, billed: (name: string, n: number) => void, inScript: boolean): Reply => {
    const name = commandName(command);
    const args: Bytes[] = command.slice(1).map((a) => a.toString("latin1"));
    if (!FREE_COMMANDS.has(name)) billed(name, 1);
    try {
      if (name === "EVAL" || name === "EVALSHA") {
        if (inScript) return fail("ERR This Redis command is not allowed from script");
        return evaluate(name, command.slice(1), billed);
      }
      if (name === "SCRIPT") return scriptCommand(args, command.slice(1));
      const invalid = checkCommand(name, args, command[0]?.toString("utf8") ?? "");
      if (invalid) return invalid;
      if (inScript && (name === "MULTI" || name === "EXEC")) return fail("ERR This Redis command is not allowed from script");
      return COMMANDS[name]!.run(store, args);
    } catch (error) {
      if (error instanceof CommandError) return error.reply;
      throw error;
    }
  };

  const evaluate = (name: string, [body, numKeys, ...rest]: Buffer[], billed: (name: string, n: number) => void): Reply => {
    if (!body || !numKeys) return fail(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
    const keyCount = parseInteger(numKeys.toString("latin1"));
    if (keyCount < 0n) return fail("ERR Number of keys can't be negative");
    if (keyCount > BigInt(rest.length)) return fail("ERR Number of keys can't be greater than number of args");
    let source: Buffer | undefined = body;
    if (name === "EVALSHA") source = scripts.get(body.toString("latin1").toLowerCase());
    else scripts.set(sha1(body), body);
    if (!source) return fail("NOSCRIPT No matching script. Please use EVAL.");
    const keys = rest.slice(0, Number(keyCount));
    return runScript(source, keys, rest.slice(keys.length), (inner) => execute(inner, billed, true));
  };

  const scriptCommand = ([sub, ...args]: Bytes[], raw: Buffer[]): Reply => {
    switch (sub?.toUpperCase()) {
      case "LOAD": {
        const source = raw[1];
        if (!source || args.length !== 1) return fail("ERR wrong number of arguments for 'script|load' command");
        scripts.set(sha1(source), source);
        return Buffer.from(sha1(source));
      }
      case "EXISTS":
        return args.map((sha) => Number(scripts.has(sha.toLowerCase())));
      case "FLUSH":
        scripts.clear();
        return "OK";
      default:
        return fail(`ERR unknown subcommand '${sub ?? ""}'. Try SCRIPT HELP.`);
    }
  };

  return {
    kind: "in-process",
    async run(commands, atomic, billed) {
      if (atomic) {
        // Redis discards the whole transaction when a command fails its queue-time checks.
        for (const command of commands) {
          const name = commandName(command);
          if (name === "EVAL" || name === "EVALSHA" || name === "SCRIPT") continue;
          const invalid = checkCommand(name, command.slice(1).map((a) => a.toString("latin1")), name);
          if (invalid) return new ReplyError("EXECABORT Transaction discarded because of previous errors.");
        }
      }
      return commands.map((command) => execute(command, billed, false));
    },
    async stop() {
      store.flush();
    },
  };
}
