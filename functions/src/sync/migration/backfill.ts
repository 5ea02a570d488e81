/**
 * The Cosmos → Firestore backfill (`npm run migrate:cosmos`): reads each legacy container page by page with
 * continuation tokens, maps every item (mapping.ts), compares with what Firestore holds and writes only what
 * differs. After each page the token and counters go to a checkpoint, so a crash costs at most one page: the
 * re-run resumes there, and the page redone finds its writes already made (counted unchanged). A finished run
 * clears its checkpoint; the next run starts over and, when nothing changed in Cosmos, writes nothing.
 */
import { versionOf, type JsonObject } from "../envelope.js";
import { MIGRATED_FROM_COSMOS } from "../mappers/cosmos.js";
import { LEGACY_CONTAINERS, type LegacyContainer } from "./legacy.js";
import { mapLegacyItem, sameContent, type MigratedDoc } from "./mapping.js";

/** Reads the legacy containers. `continuationToken` undefined starts at the beginning; none back means done. */
export interface LegacyReader {
  count(container: LegacyContainer): Promise<number>;
  page(container: LegacyContainer, continuationToken: string | undefined, maxItems: number): Promise<{ items: unknown[]; continuationToken?: string }>;
}

/** Firestore as the backfill sees it: documents as plain JSON by path, and writes of whole documents. */
export interface MigrationStore {
  read(paths: string[]): Promise<Map<string, JsonObject>>;
  write(docs: MigratedDoc[]): Promise<void>;
}

export interface Counts {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
}

export interface ContainerState {
  counts: Counts;
  continuationToken?: string;
  done: boolean;
  /** The first ids that were (or, in a dry run, would be) created or updated, and the first that failed. */
  changedIds: string[];
  failures: { id: string; reason: string }[];
}

export interface Checkpoint {
  /** The `migration_timestamp` of the run; a resumed run keeps it. */
  migratedAt: string;
  startedAtMs: number;
  containers: Record<LegacyContainer, ContainerState>;
}

export interface CheckpointStore {
  load(): Promise<Checkpoint | undefined>;
  save(checkpoint: Checkpoint): Promise<void>;
  clear(): Promise<void>;
}

export interface Progress {
  container: LegacyContainer;
  /** Items read in this container, of `total`. */
  done: number;
  total: number;
  /** Items read in every container, of `grandTotal` (counted when the run started). */
  doneAll: number;
  grandTotal: number;
  /** Items read by this process (a resumed run's earlier pages excluded), for the rate. */
  readThisRun: number;
  elapsedMs: number;
}

export interface BackfillPorts {
  reader: LegacyReader;
  store: MigrationStore;
  checkpoints: CheckpointStore;
  progress?: (progress: Progress) => void;
  now?: () => number;
}

export interface BackfillOptions {
  dryRun?: boolean;
  /** Items per page. @default 200 */
  batchSize?: number;
  /** Ignore (and remove) a checkpoint left by an interrupted run. */
  reset?: boolean;
}

export interface BackfillReport {
  dryRun: boolean;
  resumed: boolean;
  migratedAt: string;
  durationMs: number;
  containers: Record<LegacyContainer, ContainerState>;
}

export const DEFAULT_BATCH = 200;
/** How many ids the report lists per container. */
const SAMPLE_IDS = 5;

const emptyState = (): ContainerState => ({
  counts: { read: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 },
  done: false,
  changedIds: [],
  failures: [],
});

function freshCheckpoint(nowMs: number): Checkpoint {
  const containers = Object.fromEntries(LEGACY_CONTAINERS.map((name) => [name, emptyState()])) as Record<LegacyContainer, ContainerState>;
  return { migratedAt: versionOf(new Date(nowMs)), startedAtMs: nowMs, containers };
}

export async function backfillFromCosmos(ports: BackfillPorts, options: BackfillOptions = {}): Promise<BackfillReport> {
  const now = ports.now ?? Date.now;
  const startMs = now();
  const dryRun = options.dryRun ?? false;
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (options.reset && !dryRun) await ports.checkpoints.clear();
  // A dry run looks at everything from the start and leaves the checkpoint as it found it.
  const saved = options.reset || dryRun ? undefined : await ports.checkpoints.load();
  const state = saved ?? freshCheckpoint(startMs);

  const totals = new Map<LegacyContainer, number>();
  for (const name of LEGACY_CONTAINERS) totals.set(name, await ports.reader.count(name));
  const grandTotal = [...totals.values()].reduce((sum, n) => sum + n, 0);
  const readBefore = LEGACY_CONTAINERS.reduce((sum, name) => sum + state.containers[name].counts.read, 0);
  let readThisRun = 0;

  for (const name of LEGACY_CONTAINERS) {
    const container = state.containers[name];
    while (!container.done) {
      const page = await ports.reader.page(name, container.continuationToken, batchSize);
      await importPage(ports.store, name, page.items, state.migratedAt, container, dryRun);
      readThisRun += page.items.length;
      if (page.continuationToken) container.continuationToken = page.continuationToken;
      else {
        delete container.continuationToken;
        container.done = true;
      }
      if (!dryRun) await ports.checkpoints.save(state);
      ports.progress?.({
        container: name,
        done: container.counts.read,
        total: totals.get(name) ?? 0,
        doneAll: readBefore + readThisRun,
        grandTotal,
        readThisRun,
        elapsedMs: now() - startMs,
      });
    }
  }
  if (!dryRun) await ports.checkpoints.clear();
  return { dryRun, resumed: saved !== undefined, migratedAt: state.migratedAt, durationMs: now() - startMs, containers: state.containers };
}

/** One page: map, read what Firestore holds for those paths, write what differs, count every item once. */
async function importPage(store: MigrationStore, name: LegacyContainer, items: unknown[], migratedAt: string, state: ContainerState, dryRun: boolean) {
  const { counts } = state;
  // Keyed by path: two legacy items that map to one document (duplicates) write it once, the later winning.
  const docs = new Map<string, { id: string; doc: MigratedDoc }>();
  for (const raw of items) {
    counts.read++;
    const id = String((raw as { id?: unknown } | null)?.id ?? "(no id)");
    const outcome = mapLegacyItem(name, raw, migratedAt);
    if ("skipped" in outcome) counts.skipped++;
    else if ("failed" in outcome) {
      counts.failed++;
      if (state.failures.length < SAMPLE_IDS) state.failures.push({ id, reason: outcome.failed });
    } else {
      if (docs.has(outcome.doc.path)) counts.skipped++;
      docs.set(outcome.doc.path, { id, doc: outcome.doc });
    }
  }
  if (docs.size === 0) return;
  const stored = await store.read([...docs.keys()]);
  const changed: MigratedDoc[] = [];
  for (const [path, { id, doc }] of docs) {
    const existing = stored.get(path);
    // A document LearnPulse wrote itself is newer than anything in the legacy store: Firestore wins.
    if (existing && existing["source_system"] !== MIGRATED_FROM_COSMOS) {
      counts.skipped++;
      continue;
    }
    if (sameContent(existing, doc.data)) {
      counts.unchanged++;
      continue;
    }
    if (existing) counts.updated++;
    else counts.created++;
    if (state.changedIds.length < SAMPLE_IDS) state.changedIds.push(id);
    changed.push(doc);
  }
  if (!dryRun && changed.length > 0) await store.write(changed);
}
