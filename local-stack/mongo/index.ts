/**
 * A local MongoDB stand-in: the wire protocol (OP_MSG, plus the legacy OP_QUERY hello) over an in-memory store,
 * with mingo for queries, updates and pipelines, so product code uses the official `mongodb` driver unchanged.
 * Why not a real server: there is no mongod package offline and mongodb-memory-server downloads binaries.
 *
 *   const mongo = await startMongo();
 *   const client = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 2_000 });
 *   await client.db("mirror").collection("users").insertOne({ _id: "users/u1", _v: 3 });
 *   mongo.stats(); // { commands: { isMaster: 1, hello: …, insert: 1 }, writes: 1 }
 */
import { createServer, type Socket } from "node:net";
import { HANDSHAKE, commandName, runCommand } from "./commands.ts";
import type { Context } from "./context.ts";
import { Cursors } from "./cursors.ts";
import { CommandError, shutdownInProgress } from "./errors.ts";
import { Store } from "./store.ts";
import type { Doc } from "./values.ts";
import { encodeReply, parseRequest, readMessages, type Request } from "./wire.ts";

/**
 * Fault injection: "refuse" closes every connection at once (and each new one); "timeout" reads requests and never
 * answers; "error" answers every command but the handshake with `{ok: 0, code: 91, codeName: "ShutdownInProgress"}`,
 * a state-change error the driver treats as transient (it clears the pool and retries a read once, then throws).
 */
export type MongoFault = false | "refuse" | "timeout" | "error";

export interface MongoStats {
  /** Commands answered, by name as sent (`isMaster` for the first handshake, `hello` for heartbeats). */
  commands: Record<string, number>;
  /** Documents inserted (including upserts), modified or deleted. */
  writes: number;
}

export interface LocalMongo {
  /** `mongodb://127.0.0.1:PORT/?directConnection=true` */
  uri: string;
  port: number;
  /** @default false */
  fault(mode: MongoFault): void;
  stats(): MongoStats;
  resetStats(): void;
  /** Drops every database and open cursor. */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartMongoOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
}

export async function startMongo(options: StartMongoOptions = {}): Promise<LocalMongo> {
  const store = new Store();
  const cursors = new Cursors();
  const sockets = new Set<Socket>();
  let fault: MongoFault = false;
  let commands: Record<string, number> = {};
  let writes = 0;
  let connections = 0;

  const answer = (request: Request, connectionId: number): Doc => {
    const name = commandName(request.body);
    commands[name] = (commands[name] ?? 0) + 1;
    if (fault === "error" && !HANDSHAKE.has(name)) return shutdownInProgress().reply();
    const context: Context = { store, cursors, db: request.db, connectionId, wrote: (n) => (writes += n) };
    try {
      return runCommand(name, request.body, context);
    } catch (error) {
      if (error instanceof CommandError) return error.reply();
      return { ok: 0, errmsg: `internal error in the MongoDB stand-in: ${String(error)}`, code: 1, codeName: "InternalError" };
    }
  };

  const encode = (request: Request, reply: Doc): Buffer => {
    try {
      return encodeReply(request, reply);
    } catch (error) {
      return encodeReply(request, { ok: 0, errmsg: `reply too large: ${String(error)}`, code: 10334, codeName: "BSONObjectTooLarge" });
    }
  };

  const server = createServer((socket) => {
    if (fault === "refuse") return void socket.destroy();
    const connectionId = ++connections;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    // Chunks are joined only once a whole message is in (a 16 MiB insert arrives in hundreds of chunks).
    let chunks: Buffer[] = [];
    let buffered = 0;
    let needed = 4;
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      buffered += chunk.length;
      if (buffered < needed) return;
      try {
        const { messages, rest } = readMessages(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered));
        chunks = rest.length ? [rest] : [];
        buffered = rest.length;
        needed = rest.length >= 4 ? rest.readInt32LE(0) : 4;
        for (const message of messages) {
          if (fault === "timeout") continue;
          const request = parseRequest(message);
          const reply = answer(request, connectionId);
          if (!request.noReply) socket.write(encode(request, reply));
        }
      } catch {
        socket.destroy(); // a framing error leaves the stream unreadable, as mongod closes it too
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the MongoDB stand-in has no TCP address");
  const port = address.port;

  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    port,
    fault(mode) {
      fault = mode;
      if (mode === "refuse") for (const socket of sockets) socket.destroy();
    },
    stats: () => ({ commands: { ...commands }, writes }),
    resetStats() {
      commands = {};
      writes = 0;
    },
    async clear() {
      store.clear();
      cursors.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
