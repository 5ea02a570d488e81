/** How reconciliation reads a sink: its copies of one page of documents, and its own live keys in a range. */
import type { ChangeEnvelope, JsonObject } from "../../envelope.js";
import type { SinkName } from "../../sinks/sink.js";
import type { Held } from "../compare.js";

/** A range of document paths: after `after` (exclusive), up to `upTo` (inclusive); open where absent. */
export interface KeyRange {
  after?: string;
  upTo?: string;
}

/** A document the sink holds as live (not deleted), with what a tombstone for it needs: its key and version. */
export interface LiveDoc {
  path: string;
  version: string;
  before: JsonObject;
}

export interface SinkReader {
  name: SinkName;
  /** The content the sink should hold for a document (system fields left out), or undefined when not mirrored there. */
  expected(envelope: ChangeEnvelope): JsonObject | undefined;
  /** The sink's copies of these documents, by document path, in one request (absent: not there). */
  read(collection: string, envelopes: ChangeEnvelope[]): Promise<Map<string, Held>>;
  /** The sink's live documents in the range, in its own key order, a page at a time. */
  live(collection: string, range: KeyRange): AsyncIterable<LiveDoc[]>;
  /** How many live documents of the collection the sink holds (one aggregate request). */
  count(collection: string): Promise<number>;
}

/** Documents per sink request: the Firestore page size, so a page is one request each way. */
export const PAGE_SIZE = 500;
