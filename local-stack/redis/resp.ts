import net from "node:net";
import { ReplyError } from "./reply.ts";
import type { Command, Reply } from "./reply.ts";

const CRLF = Buffer.from("\r\n");

/** RESP2 request encoding: every argument as a bulk string, so values are binary-safe. */
export function encodeCommands(commands: Command[]): Buffer {
  const parts: Buffer[] = [];
  for (const command of commands) {
    parts.push(Buffer.from(`*${command.length}\r\n`));
    for (const arg of command) parts.push(Buffer.from(`$${arg.length}\r\n`), arg, CRLF);
  }
  return Buffer.concat(parts);
}

/** Parses one reply starting at `at`; undefined when the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, at: number): { reply: Reply; next: number } | undefined {
  const eol = buf.indexOf(CRLF, at);
  if (eol < 0) return undefined;
  const line = buf.toString("latin1", at + 1, eol);
  switch (buf[at]) {
    case 0x2b: // +
      return { reply: buf.toString("utf8", at + 1, eol), next: eol + 2 };
    case 0x2d: // -
      return { reply: new ReplyError(buf.toString("utf8", at + 1, eol)), next: eol + 2 };
    case 0x3a: // :
      return { reply: Number(line), next: eol + 2 };
    case 0x24: {
      // $
      const length = Number(line);
      if (length < 0) return { reply: null, next: eol + 2 };
      const end = eol + 2 + length;
      if (buf.length < end + 2) return undefined;
      return { reply: Buffer.from(buf.subarray(eol + 2, end)), next: end + 2 };
    }
    case 0x2a: {
      // *
      const count = Number(line);
      if (count < 0) return { reply: null, next: eol + 2 };
      const items: Reply[] = [];
      let next = eol + 2;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, next);
        if (!item) return undefined;
        items.push(item.reply);
        next = item.next;
      }
      return { reply: items, next };
    }
    default:
      throw new Error(`RESP: unexpected byte ${buf[at]} at ${at}`);
  }
}

/**
 * One pipelined connection: a batch is written in a single write and its replies are matched in order,
 * so a MULTI ... EXEC batch is never interleaved with another request's commands.
 */
export class RespConnection {
  private readonly socket: net.Socket;
  private readonly waiting: Array<{ count: number; replies: Reply[]; done: (r: Reply[]) => void; fail: (e: Error) => void }> = [];
  private buffer: Buffer = Buffer.alloc(0);
  private closed: Error | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("error", (error) => this.close(error));
    socket.on("close", () => this.close(new Error("redis connection closed")));
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RespConnection(socket));
      });
      socket.once("error", reject);
    });
  }

  send(commands: Command[]): Promise<Reply[]> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((done, fail) => {
      this.waiting.push({ count: commands.length, replies: [], done, fail });
      this.socket.write(encodeCommands(commands));
    });
  }

  end(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let at = 0;
    for (;;) {
      const head = this.waiting[0];
      if (!head || at >= this.buffer.length) break;
      const parsed = parseReply(this.buffer, at);
      if (!parsed) break;
      at = parsed.next;
      head.replies.push(parsed.reply);
      if (head.replies.length === head.count) {
        this.waiting.shift();
        head.done(head.replies);
      }
    }
    this.buffer = this.buffer.subarray(at);
  }

  private close(error: Error): void {
    this.closed ??= error;
    for (const w of this.waiting.splice(0)) w.fail(error);
  }
}
