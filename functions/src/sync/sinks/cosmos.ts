/**
 * The Cosmos DB sink: legacy-shaped items (mappers/cosmos.ts), applied only if newer. The stored `_v` is compared
 * after a point read, and the write is conditional on the `_etag` read (or a create when absent), so a concurrent
 * older write cannot win: a lost race (412 / 409) reads again.
 */
import type { Container } from "@azure/cosmos";
import type { ChangeEnvelope } from "../envelope.js";
import { COSMOS_PARTITION_KEY, cosmosItem, isMigrationEcho } from "../mappers/cosmos.js";
import { outcomeOf, type DeliverOptions, type Sink } from "./sink.js";

/** Races lost in a row before the delivery is left to the dead-letter replay. */
const MAX_RACES = 5;

export function cosmosSink(container: (name: string, partitionKeyPath: string) => Promise<Container>): Sink {
  return {
    name: "cosmos",
    deliver: (envelope: ChangeEnvelope, options: DeliverOptions = {}) =>
      outcomeOf(async () => {
        const mapped = cosmosItem(envelope);
        // A repair writes migrated documents too: reconciliation found Cosmos's copy absent or different.
        if (!mapped || (!options.repair && isMigrationEcho(envelope))) return { skipped: "unmapped" };
        const target = await container(mapped.container, COSMOS_PARTITION_KEY);
        const { item } = mapped;
        for (let race = 0; race < MAX_RACES; race++) {
          const { resource: stored } = await target.item(item.id, item.student_id).read<{ _v?: string; _etag?: string }>();
          const held = stored?._v;
          if (held !== undefined && (held > item._v || (held === item._v && !options.repair))) return { skipped: "stale" };
          try {
            if (stored?._etag) await target.item(item.id, item.student_id).replace(item, { accessCondition: { type: "IfMatch", condition: stored._etag } });
            else await target.items.create(item);
            return { applied: true };
          } catch (error) {
            const code = (error as { code?: number }).code;
            if (code !== 412 && code !== 409) throw error;
          }
        }
        throw new Error(`Cosmos item ${item.id}: lost ${MAX_RACES} write races in a row`);
      }),
  };
}
