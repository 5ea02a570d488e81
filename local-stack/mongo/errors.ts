/** A command failure, answered as `{ok: 0, errmsg, code, codeName}` with MongoDB's code and name. */
import type { Doc } from "./values.ts";

export class CommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly extra: Doc;

  constructor(code: number, codeName: string, message: string, extra: Doc = {}) {
    super(message);
    this.code = code;
    this.codeName = codeName;
    this.extra = extra;
  }

  reply(): Doc {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }

  /** The `writeErrors` entry for the operation at `index` of a write command. */
  writeError(index: number): Doc {
    return { index, code: this.code, errmsg: this.message, ...this.extra };
  }
}

// Codes from https://github.com/mongodb/mongo/blob/master/src/mongo/base/error_codes.yml
export const badValue = (message: string) => new CommandError(2, "BadValue", message);
export const failedToParse = (message: string) => new CommandError(9, "FailedToParse", message);
export const typeMismatch = (message: string) => new CommandError(14, "TypeMismatch", message);
export const namespaceNotFound = (message: string) => new CommandError(26, "NamespaceNotFound", message);
export const indexNotFound = (message: string) => new CommandError(27, "IndexNotFound", message);
export const cursorNotFound = (id: string) => new CommandError(43, "CursorNotFound", `cursor id ${id} not found`);
export const namespaceExists = (message: string) => new CommandError(48, "NamespaceExists", message);
export const commandNotFound = (name: string) =>
  new CommandError(59, "CommandNotFound", `no such command: '${name}'`);
export const immutableField = (message: string) => new CommandError(66, "ImmutableField", message);
export const indexOptionsConflict = (message: string) => new CommandError(85, "IndexOptionsConflict", message);
export const indexKeySpecsConflict = (message: string) => new CommandError(86, "IndexKeySpecsConflict", message);
export const shutdownInProgress = () =>
  new CommandError(91, "ShutdownInProgress", "The server is in quiesce mode and will shut down (injected fault)");

/** Wraps anything mingo throws (unknown operator, bad expression) as a client error rather than a crash. */
export function asCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  return badValue(error instanceof Error ? error.message : String(error));
}
