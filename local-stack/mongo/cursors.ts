/**
 * Server cursors: a result is computed whole when the query runs (a snapshot, unlike MongoDB's yielding cursors)
 * and handed out in batches through getMore.
 */
import { BSON, Long } from "bson";
import { cursorNotFound } from "./errors.ts";
import type { Doc } from "./values.ts";

/** MongoDB: the first batch of a find holds 101 documents unless batchSize says otherwise. */
export const DEFAULT_FIRST_BATCH = 101;
/** MongoDB: a batch fills at most 16 MiB (the maximum BSON document size), less room for the reply around it. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024;
/** MongoDB: idle cursors time out after 10 minutes (cursorTimeoutMillis). */
const IDLE_TIMEOUT_MS = 10 * 60_000;

interface OpenCursor {
  ns: string;
  docs: Doc[];
  position: number;
  batchSize?: number;
  lastUsed: number;
}

export class Cursors {
  private readonly open = new Map<string, OpenCursor>();

  /** The `cursor` field of a find/aggregate/list reply: the first batch, and an id when more remain. */
  first(ns: string, docs: Doc[], batchSize: number | undefined, singleBatch = false): Doc {
    const cursor: OpenCursor = { ns, docs, position: 0, batchSize, lastUsed: Date.now() };
    // batchSize 0 opens the cursor without documents.
    const firstBatch = batchSize === 0 ? [] : take(cursor, batchSize ?? DEFAULT_FIRST_BATCH);
    if (singleBatch || cursor.position >= docs.length) return { id: Long.ZERO, ns, firstBatch };
    this.sweep();
    const id = randomId();
    this.open.set(id.toString(), cursor);
    return { id, ns, firstBatch };
  }

  next(id: Long, batchSize: number | undefined): Doc {
    const key = id.toString();
    const cursor = this.open.get(key);
    if (!cursor) throw cursorNotFound(key);
    cursor.lastUsed = Date.now();
    const nextBatch = take(cursor, batchSize ?? cursor.batchSize);
    const done = cursor.position >= cursor.docs.length;
    if (done) this.open.delete(key);
    return { id: done ? Long.ZERO : id, ns: cursor.ns, nextBatch };
  }

  kill(ids: Long[]): Doc {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const id of ids) (this.open.delete(id.toString()) ? killed : notFound).push(id);
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  clear(): void {
    this.open.clear();
  }

  private sweep(): void {
    const cutoff = Date.now() - IDLE_TIMEOUT_MS;
    for (const [key, cursor] of this.open) if (cursor.lastUsed < cutoff) this.open.delete(key);
  }
}

/**
 * Up to `count` documents (0 or undefined: no count), never more than fit in one 16 MiB reply, as in MongoDB —
 * a reply is one BSON document, and bson refuses to serialise a larger one.
 */
function take(cursor: OpenCursor, count: number | undefined): Doc[] {
  const batch: Doc[] = [];
  let bytes = 0;
  while (cursor.position < cursor.docs.length && (!count || batch.length < count)) {
    const doc = cursor.docs[cursor.position]!;
    bytes += BSON.calculateObjectSize(doc);
    if (batch.length > 0 && bytes > MAX_BATCH_BYTES) break;
    batch.push(doc);
    cursor.position++;
  }
  return batch;
}

function randomId(): Long {
  // Positive 63-bit ids, as mongod hands out.
  const high = Math.floor(Math.random() * 0x7fffffff) + 1;
  const low = Math.floor(Math.random() * 0x100000000);
  return Long.fromBits(low, high);
}
