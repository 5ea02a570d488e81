/**
 * Test targets for the stand-in's own tests: the stand-in, or, when MONGODB_URI is set, that real server instead,
 * so the same behaviour tests show where the stand-in and MongoDB agree. Each suite gets its own database.
 */
import { randomBytes } from "node:crypto";
import { MongoClient, type CommandStartedEvent, type Db, type Document, type Long, type ObjectId } from "mongodb";
import { afterAll, beforeAll } from "vitest";
import { startMongo, type LocalMongo } from "./index.ts";

export interface Target {
  name: string;
  /** Unset: start a stand-in. */
  uri?: string;
}

export const targets: Target[] = process.env.MONGODB_URI
  ? [{ name: "server at MONGODB_URI", uri: process.env.MONGODB_URI }]
  : [{ name: "stand-in" }];

export interface Session {
  client: MongoClient;
  db: Db;
  /** The stand-in, when the target is one. */
  standIn?: LocalMongo;
  /** Commands the driver sent since the suite started (command monitoring), by name. */
  sent: CommandStartedEvent[];
}

/** A test collection's schema: any fields, any `_id` type (strings, numbers, ObjectIds). */
export interface Loose extends Document {
  _id?: string | number | ObjectId | Long;
}

export const uniqueName = (prefix: string) => `${prefix}_${randomBytes(4).toString("hex")}`;

/** Starts the target (or connects to it) before the suite and drops the suite's database after it. */
export function useTarget(target: Target): Session {
  const session = { sent: [] } as unknown as Session;
  beforeAll(async () => {
    if (!target.uri) session.standIn = await startMongo();
    session.client = new MongoClient(target.uri ?? session.standIn!.uri, { serverSelectionTimeoutMS: 5_000, monitorCommands: true });
    session.client.on("commandStarted", (event) => session.sent.push(event));
    await session.client.connect();
    session.db = session.client.db(uniqueName("standin_test"));
  });
  afterAll(async () => {
    await session.db?.dropDatabase();
    await session.client?.close();
    await session.standIn?.stop();
  });
  return session;
}
