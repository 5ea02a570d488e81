/**
 * One Redis reply, shared by both backends: a bulk string is a Buffer (binary-safe), a status reply
 * ("OK", "PONG", type names) is a JS string, an integer a number, nil null, an error a ReplyError.
 */
export type Reply = Buffer | string | number | null | ReplyError | Reply[];

/** An error reply ("ERR ...", "WRONGTYPE ..."): a value, not a thrown failure of the transport. */
export class ReplyError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** One command as it goes to Redis: name first, every argument as raw bytes. */
export type Command = Buffer[];

export const commandName = (command: Command): string => (command[0]?.toString("latin1") ?? "").toUpperCase();

/** What the bridge needs from a backend; the real server and the in-process engine both provide it. */
export interface Backend {
  readonly kind: "redis-server" | "in-process";
  /**
   * Runs commands in order. With `atomic`, as one MULTI/EXEC: the result is EXEC's array, or a ReplyError
   * (EXECABORT) when a command was rejected while queueing.
   * `billed` receives each billed command by name, including those run inside scripts.
   */
  run(commands: Command[], atomic: boolean, billed: (name: string, n: number) => void): Promise<Reply[] | ReplyError>;
  /** Drops the connections the bridge holds and kills what it spawned. */
  stop(): Promise<void>;
}

/**
 * Not billed: AUTH/PING/INFO are free (github.com/upstash/docs redis/overall/pricing.mdx, PRICES.md [15]);
 * MULTI/EXEC only frame the billed commands inside them (upstash.com/docs/redis/overall/billing, [13]).
 */
export const FREE_COMMANDS = new Set(["PING", "AUTH", "INFO", "MULTI", "EXEC", "DISCARD", "HELLO", "QUIT"]);
