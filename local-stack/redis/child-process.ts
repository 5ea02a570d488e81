/**
 * The Redis stand-in in a child process, for measurements where its CPU must not be charged to the process under
 * test (in production Upstash runs on its own servers). Same LocalRedis interface, except that the counters are
 * read from the child: call `refresh()` before `commands()` / `commandCounts()` / `throttled()`.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startRedis, type LocalRedis, type RedisFault, type StartRedisOptions } from "./index.ts";

interface Counts {
  total: number;
  byCommand: Record<string, number>;
  throttled: { requests: number; waitedMs: number };
}

type Request = { id: number; op: "counts" | "reset" | "flushAll" | "stop" } | { id: number; op: "fault"; mode: RedisFault };

export interface ChildRedis extends LocalRedis {
  /** The child's process id (the bench pins it to other cores than the host's). */
  pid: number | undefined;
  /** Fetches the child's counters, so that commands() and commandCounts() are current. */
  refresh(): Promise<void>;
}

export async function startRedisInChild(options: StartRedisOptions = {}): Promise<ChildRedis> {
  const child = fork(fileURLToPath(import.meta.url), ["--child"], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const started = await new Promise<{ kind: LocalRedis["kind"]; restUrl: string; token: string }>((resolve, reject) => {
    child.once("message", (message) => resolve(message as never));
    child.once("exit", (code) => reject(new Error(`Redis child exited with ${code}`)));
    child.send(options);
  });
  let counts: Counts = { total: 0, byCommand: {}, throttled: { requests: 0, waitedMs: 0 } };
  const ask = request(child);
  return {
    ...started,
    pid: child.pid,
    commands: () => counts.total,
    commandCounts: () => ({ ...counts.byCommand }),
    throttled: () => ({ ...counts.throttled }),
    async refresh() {
      counts = (await ask({ op: "counts" })) as Counts;
    },
    resetCommands() {
      counts = { ...counts, total: 0, byCommand: {} };
      void ask({ op: "reset" });
    },
    fault: (mode) => void ask({ op: "fault", mode }),
    flushAll: async () => void (await ask({ op: "flushAll" })),
    async stop() {
      await ask({ op: "stop" }).catch(() => undefined);
      child.kill();
    },
  };
}

function request(child: ChildProcess): (message: Omit<Request, "id"> & { mode?: RedisFault }) => Promise<unknown> {
  let next = 0;
  const waiting = new Map<number, (value: unknown) => void>();
  child.on("message", (message: { id?: number; value?: unknown }) => {
    if (message.id !== undefined) waiting.get(message.id)?.(message.value);
    waiting.delete(message.id as number);
  });
  return (message) =>
    new Promise((resolve) => {
      const id = ++next;
      waiting.set(id, resolve);
      child.send({ ...message, id });
    });
}

/** The child: starts the stand-in and answers the parent's requests. */
async function serveChild(): Promise<void> {
  const options = await new Promise<StartRedisOptions>((resolve) => process.once("message", (message) => resolve(message as StartRedisOptions)));
  const redis = await startRedis(options);
  process.send?.({ kind: redis.kind, restUrl: redis.restUrl, token: redis.token });
  process.on("message", async (message: Request) => {
    let value: unknown;
    if (message.op === "counts") value = { total: redis.commands(), byCommand: redis.commandCounts(), throttled: redis.throttled() };
    else if (message.op === "reset") redis.resetCommands();
    else if (message.op === "fault") redis.fault(message.mode);
    else if (message.op === "flushAll") await redis.flushAll();
    else if (message.op === "stop") {
      await redis.stop();
      process.send?.({ id: message.id });
      process.exit(0);
    }
    process.send?.({ id: message.id, value });
  });
  process.on("disconnect", () => void redis.stop().finally(() => process.exit(0)));
}

if (process.argv.includes("--child") && process.argv[1] === fileURLToPath(import.meta.url)) await serveChild();
