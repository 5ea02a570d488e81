import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import net from "node:net";
import path from "node:path";
import { RespConnection } from "./resp.ts";
import { FREE_COMMANDS, ReplyError, commandName } from "./reply.ts";
import type { Backend, Command, Reply } from "./reply.ts";

/** The first `redis-server` on the PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, "redis-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function connectWhenUp(port: number, deadline: number, output: () => string): Promise<RespConnection> {
  for (;;) {
    try {
      return await RespConnection.connect(port);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start: ${String(error)}\n${output()}`, { cause: error });
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const SCRIPT_COMMANDS = new Set(["EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"]);
const INFO_COMMANDSTATS: Command = [Buffer.from("INFO"), Buffer.from("commandstats")];

/** `cmdstat_hset:calls=3,...` lines as {HSET: 3}; subcommands (`script|load`) count under their parent. */
function parseCommandStats(info: Reply): Map<string, number> {
  const calls = new Map<string, number>();
  const text = Buffer.isBuffer(info) ? info.toString("latin1") : "";
  for (const match of text.matchAll(/^cmdstat_([^:|]+)(?:\|[^:]*)?:calls=(\d+)/gm)) {
    const name = match[1]!.toUpperCase();
    calls.set(name, (calls.get(name) ?? 0) + Number(match[2]));
  }
  return calls;
}

/**
 * A real redis-server on a free loopback port, no persistence. Scripts are billed from the server's own
 * command statistics read just before and after the batch on the same connection, so every redis.call a
 * script makes is counted exactly (the bridge is the server's only client).
 */
export async function startRedisServer(binary: string): Promise<Backend> {
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  // A shell watchdog holds our stdin pipe: when this process ends, even by SIGKILL, the pipe closes and
  // the server is killed, so no redis-server outlives the stack. stop() closes the pipe the same way.
  const watchdog = '"$0" "$@" & pid=$!; read -r _; kill -9 "$pid"; wait "$pid"';
  const child = spawn("/bin/sh", ["-c", watchdog, binary, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const shutdown = async () => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
    await exited;
    clearTimeout(timer);
  };
  let connection: RespConnection;
  try {
    connection = await connectWhenUp(port, Date.now() + 10_000, () => output);
  } catch (error) {
    await shutdown();
    throw error;
  }

  const run: Backend["run"] = async (commands, atomic, billed) => {
    const batch = atomic ? [[Buffer.from("MULTI")], ...commands, [Buffer.from("EXEC")]] : commands;
    const scripted = commands.some((c) => SCRIPT_COMMANDS.has(commandName(c)));
    const replies = await connection.send(scripted ? [INFO_COMMANDSTATS, ...batch, INFO_COMMANDSTATS] : batch);
    if (scripted) {
      const before = parseCommandStats(replies.shift() ?? null);
      const after = parseCommandStats(replies.pop() ?? null);
      for (const [name, calls] of after) {
        const n = calls - (before.get(name) ?? 0);
        if (n > 0 && !FREE_COMMANDS.has(name)) billed(name, n);
      }
    } else {
      for (const command of commands) {
        const name = commandName(command);
        if (!FREE_COMMANDS.has(name)) billed(name, 1);
      }
    }
    if (!atomic) return replies;
    const exec = replies.at(-1) ?? null;
    if (exec instanceof ReplyError || Array.isArray(exec)) return exec;
    return new ReplyError("EXECABORT Transaction discarded because of previous errors.");
  };

  return {
    kind: "redis-server",
    run,
    async stop() {
      connection.end();
      await shutdown();
    },
  };
}
