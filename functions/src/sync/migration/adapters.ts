/** The backfill's ports over the real stores: Cosmos (legacy reader), Firestore (store), a local JSON file (checkpoint). */
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import type { Container } from "@azure/cosmos";
import type { FirestoreKit } from "../../adapters/firestore.js";
import { toJson, type JsonObject } from "../envelope.js";
import { COSMOS_PARTITION_KEY } from "../mappers/cosmos.js";
import type { Checkpoint, CheckpointStore, LegacyReader, MigrationStore } from "./backfill.js";
import type { LegacyContainer } from "./legacy.js";
import type { MigratedDoc } from "./mapping.js";

/** Firestore: at most 500 writes per batched write (quotas and limits). */
export const FIRESTORE_BATCH_LIMIT = 500;
/** Documents per `getAll` request: a page is read in a few requests rather than one per document. */
const READ_CHUNK = 300;

/** Ordered by id so that pages, and the ids a dry run lists, come out the same on every run. */
const PAGE_QUERY = "SELECT * FROM c ORDER BY c.id";
const COUNT_QUERY = "SELECT VALUE COUNT(1) FROM c";

export function cosmosLegacyReader(container: (name: string, partitionKeyPath: string) => Promise<Container>): LegacyReader {
  return {
    async count(name: LegacyContainer) {
      const { resources } = await (await container(name, COSMOS_PARTITION_KEY)).items.query<number>(COUNT_QUERY).fetchAll();
      // A cross-partition count may come back as one partial count per partition.
      return resources.reduce((sum, n) => sum + n, 0);
    },
    async page(name: LegacyContainer, continuationToken: string | undefined, maxItems: number) {
      const query = (await container(name, COSMOS_PARTITION_KEY)).items.query(PAGE_QUERY, {
        maxItemCount: maxItems,
        ...(continuationToken ? { continuationToken } : {}),
      });
      const response = await query.fetchNext();
      return { items: response.resources, ...(response.continuationToken ? { continuationToken: response.continuationToken } : {}) };
    },
  };
}

/** Converts the mapping's ISO strings (six fractional digits) into Firestore timestamps without losing microseconds. */
function timestampOf(kit: FirestoreKit, iso: string) {
  const seconds = Math.floor(Date.parse(`${iso.slice(0, 19)}Z`) / 1000);
  const micros = Number(iso.slice(20, 26));
  return new kit.sdk.Timestamp(seconds, micros * 1000);
}

export function firestoreMigrationStore(kit: FirestoreKit): MigrationStore {
  const { db } = kit;
  return {
    async read(paths: string[]) {
      const found = new Map<string, JsonObject>();
      for (let start = 0; start < paths.length; start += READ_CHUNK) {
        const snapshots = await db.getAll(...paths.slice(start, start + READ_CHUNK).map((path) => db.doc(path)));
        for (const snapshot of snapshots) if (snapshot.exists) found.set(snapshot.ref.path, toJson(snapshot.data()) as JsonObject);
      }
      return found;
    },
    async write(docs: MigratedDoc[]) {
      for (let start = 0; start < docs.length; start += FIRESTORE_BATCH_LIMIT) {
        const batch = db.batch();
        for (const { path, data, timestampFields } of docs.slice(start, start + FIRESTORE_BATCH_LIMIT)) {
          const stored: Record<string, unknown> = { ...data };
          for (const field of timestampFields) if (typeof data[field] === "string") stored[field] = timestampOf(kit, data[field]);
          // A whole-document set: the document becomes exactly what the mapping says, as the comparison expects.
          batch.set(db.doc(path), stored);
        }
        await batch.commit();
      }
    },
  };
}

/** The checkpoint as a local JSON file, replaced atomically (write, then rename) so a crash never leaves half a file. */
export function fileCheckpointStore(path: string): CheckpointStore {
  return {
    async load() {
      try {
        return JSON.parse(await readFile(path, "utf8")) as Checkpoint;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    async save(checkpoint: Checkpoint) {
      await writeFile(`${path}.tmp`, `${JSON.stringify(checkpoint, null, 2)}\n`);
      await rename(`${path}.tmp`, path);
    },
    clear: () => rm(path, { force: true }),
  };
}
