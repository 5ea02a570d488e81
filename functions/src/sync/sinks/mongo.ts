/**
 * The MongoDB sink: one collection per Firestore collection, `_id` = document path, applied only if newer.
 * The replace matches only an older `_v`; when a newer or equal version is stored, the upsert's insert collides on
 * `_id` (E11000), which means "stale: skip" — one round trip, no read-then-write race.
 */
import type { MongoClient } from "mongodb";
import type { ChangeEnvelope } from "../envelope.js";
import { mongoDocument } from "../mappers/mongo.js";
import { outcomeOf, type DeliverOptions, type Sink } from "./sink.js";

const DUPLICATE_KEY = 11000;

export function mongoSink(client: () => Promise<MongoClient>, databaseName: () => string): Sink {
  return {
    name: "mongo",
    deliver: (envelope: ChangeEnvelope, options: DeliverOptions = {}) =>
      outcomeOf(async () => {
        const doc = mongoDocument(envelope);
        const collection = (await client()).db(databaseName()).collection<{ _id: string }>(envelope.collection);
        const older = options.repair ? { $lte: doc._v } : { $lt: doc._v };
        try {
          await collection.replaceOne({ _id: doc._id, $or: [{ _v: older }, { _v: { $exists: false } }] }, doc, { upsert: true });
          return { applied: true };
        } catch (error) {
          if ((error as { code?: number }).code === DUPLICATE_KEY) return { skipped: "stale" };
          throw error;
        }
      }),
  };
}
