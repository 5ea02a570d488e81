/** The command table. A command's name is the first field of its document, as in MongoDB. */
import * as admin from "./admin.ts";
import type { Context, Handler } from "./context.ts";
import { commandNotFound } from "./errors.ts";
import * as reads from "./reads.ts";
import * as writes from "./writes.ts";
import type { Doc } from "./values.ts";

const COMMANDS: Record<string, Handler> = {
  hello: admin.hello,
  isMaster: admin.hello,
  ismaster: admin.hello,
  ping: admin.ok,
  buildInfo: admin.buildInfo,
  buildinfo: admin.buildInfo,
  serverStatus: admin.serverStatus,
  // Sessions: accepted and forgotten (no transactions on a standalone).
  endSessions: admin.ok,
  refreshSessions: admin.ok,
  killSessions: admin.ok,
  killAllSessions: admin.ok,
  listDatabases: admin.listDatabases,
  dropDatabase: admin.dropDatabase,
  listCollections: admin.listCollections,
  create: admin.create,
  drop: admin.drop,
  createIndexes: admin.createIndexes,
  listIndexes: admin.listIndexes,
  dropIndexes: admin.dropIndexes,
  deleteIndexes: admin.dropIndexes,
  insert: writes.insert,
  update: writes.update,
  delete: writes.remove,
  findAndModify: writes.findAndModify,
  findandmodify: writes.findAndModify,
  find: reads.find,
  getMore: reads.getMore,
  killCursors: reads.killCursors,
  count: reads.count,
  distinct: reads.distinct,
  aggregate: reads.aggregate,
};

/** The commands that answer during a handshake even under the "error" fault, so the driver reaches the failing command. */
export const HANDSHAKE = new Set(["hello", "isMaster", "ismaster"]);

export function commandName(body: Doc): string {
  return Object.keys(body)[0] ?? "";
}

export function runCommand(name: string, body: Doc, context: Context): Doc {
  const handler = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!handler) throw commandNotFound(name);
  return handler(body, context);
}
