/**
 * Cosmos DB's view for reconciliation: the legacy containers, items keyed by the mapper's ids. A page is one
 * cross-partition query with `ARRAY_CONTAINS(@ids, c.id)`; the keys are the container's ids in order.
 */
import type { Container } from "@azure/cosmos";
import type { ChangeEnvelope, JsonObject } from "../../envelope.js";
import { COSMOS_PARTITION_KEY, cosmosContainerOf, cosmosItem } from "../../mappers/cosmos.js";
import { contentHash, without, type Held } from "../compare.js";
import { cosmosKeyOf, pathOfCosmosKey } from "../keys.js";
import { PAGE_SIZE, type KeyRange, type SinkReader } from "./reader.js";

/** Fields Cosmos adds itself, and the mirror's own version and tombstone: not content. */
const SYSTEM_FIELDS = new Set(["_rid", "_self", "_etag", "_attachments", "_ts", "_v", "_deleted"]);

type StoredItem = JsonObject & { id: string; student_id: string; _v?: string; _deleted?: boolean };

export function cosmosReader(container: (name: string, partitionKeyPath: string) => Promise<Container>): SinkReader {
  const containerOf = (collection: string) => {
    const name = cosmosContainerOf(collection);
    if (!name) throw new Error(`no Cosmos container for ${collection}`);
    return container(name, COSMOS_PARTITION_KEY);
  };
  return {
    name: "cosmos",
    expected: (envelope: ChangeEnvelope) => {
      const mapped = cosmosItem(envelope);
      return mapped ? without(mapped.item, SYSTEM_FIELDS) : undefined;
    },
    async count(collection) {
      const query = "SELECT VALUE COUNT(1) FROM c WHERE (NOT IS_DEFINED(c._deleted) OR c._deleted = false)";
      const { resources } = await (await containerOf(collection)).items.query<number>(query).fetchAll();
      return resources.reduce((sum, partial) => sum + partial, 0);
    },
    async read(collection, envelopes) {
      const wanted = new Map<string, { path: string; student: string }>();
      for (const envelope of envelopes) {
        const mapped = cosmosItem(envelope);
        if (mapped) wanted.set(mapped.item.id, { path: envelope.documentPath, student: mapped.item.student_id });
      }
      const query = { query: "SELECT * FROM c WHERE ARRAY_CONTAINS(@ids, c.id)", parameters: [{ name: "@ids", value: [...wanted.keys()] }] };
      const { resources } = await (await containerOf(collection)).items.query<StoredItem>(query).fetchAll();
      const held = new Map<string, Held>();
      for (const item of resources) {
        const doc = wanted.get(item.id);
        // The same id in another partition is another item (another student's legacy data), not this document.
        if (!doc || doc.student !== item.student_id) continue;
        held.set(doc.path, { version: item._v ?? "", deleted: item._deleted === true, hash: contentHash(without(item, SYSTEM_FIELDS)) });
      }
      return held;
    },
    async *live(collection, range: KeyRange) {
      const target = await containerOf(collection);
      let after = range.after === undefined ? undefined : cosmosKeyOf(range.after);
      const upTo = range.upTo === undefined ? undefined : cosmosKeyOf(range.upTo);
      for (;;) {
        const conditions = ["(NOT IS_DEFINED(c._deleted) OR c._deleted = false)"];
        const parameters = [];
        if (after !== undefined) {
          conditions.push("c.id > @after");
          parameters.push({ name: "@after", value: after });
        }
        if (upTo !== undefined) {
          conditions.push("c.id <= @upTo");
          parameters.push({ name: "@upTo", value: upTo });
        }
        const query = { query: `SELECT TOP ${PAGE_SIZE} c.id, c.student_id, c._v FROM c WHERE ${conditions.join(" AND ")} ORDER BY c.id`, parameters };
        const { resources } = await target.items.query<{ id: string; student_id: string; _v?: string }>(query).fetchAll();
        if (resources.length) yield resources.map((item) => ({ path: pathOfCosmosKey(collection, item.id), version: item._v ?? "", before: { uid: item.student_id } }));
        if (resources.length < PAGE_SIZE) return;
        after = resources.at(-1)?.id;
      }
    },
  };
}
