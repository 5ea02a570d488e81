/** MongoDB's view for reconciliation: `_id` = document path, so a page is one `$in` and the keys one `_id` range. */
import type { Filter, MongoClient } from "mongodb";
import type { ChangeEnvelope, JsonObject } from "../../envelope.js";
import { mongoDocument, RESERVED_FIELDS } from "../../mappers/mongo.js";
import { contentHash, without, type Held } from "../compare.js";
import { PAGE_SIZE, type KeyRange, type LiveDoc, type SinkReader } from "./reader.js";

type MirrorDoc = JsonObject & { _id: string; _v?: string; _deleted?: boolean };

export function mongoReader(client: () => Promise<MongoClient>, databaseName: () => string): SinkReader {
  const collectionOf = async (name: string) => (await client()).db(databaseName()).collection<MirrorDoc>(name);
  return {
    name: "mongo",
    expected: (envelope: ChangeEnvelope) => without(mongoDocument(envelope), RESERVED_FIELDS),
    async read(collection, envelopes) {
      const docs = await (await collectionOf(collection)).find({ _id: { $in: envelopes.map((envelope) => envelope.documentPath) } }).toArray();
      return new Map<string, Held>(
        docs.map((doc) => [doc._id, { version: doc._v ?? "", deleted: doc._deleted === true, hash: contentHash(without(doc, RESERVED_FIELDS)) }]),
      );
    },
    count: async (collection) => (await collectionOf(collection)).countDocuments({ _deleted: { $ne: true } } as Filter<MirrorDoc>),
    async *live(collection, range: KeyRange) {
      const target = await collectionOf(collection);
      let after = range.after;
      for (;;) {
        const ids: Record<string, string> = {};
        if (after !== undefined) ids["$gt"] = after;
        if (range.upTo !== undefined) ids["$lte"] = range.upTo;
        const filter = { ...(Object.keys(ids).length ? { _id: ids } : {}), _deleted: { $ne: true } } as Filter<MirrorDoc>;
        const page = await target.find(filter, { projection: { _id: 1, _v: 1 } }).sort({ _id: 1 }).limit(PAGE_SIZE).toArray();
        if (page.length) yield page.map((doc): LiveDoc => ({ path: doc._id, version: doc._v ?? "", before: {} }));
        if (page.length < PAGE_SIZE) return;
        after = page.at(-1)?._id;
      }
    },
  };
}
