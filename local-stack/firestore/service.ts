/**
 * The gRPC Firestore service: the package's implementation, with every read and write RPC and Listen replaced by
 * ours over DocumentStore. Requests from client SDKs are checked against the rules (access.ts); the Admin SDK's are
 * not, as in production.
 */
import {
  BatchGetDocumentsResponse,
  BatchWriteResponse,
  BeginTransactionResponse,
  CommitResponse,
  ListCollectionIdsResponse,
  ListenResponse,
  TargetChangeTargetChangeType,
  WriteResponse,
  ListDocumentsResponse,
  RunAggregationQueryResponse,
  RunQueryResponse,
  type BatchGetDocumentsRequest,
  type BatchWriteRequest,
  type BeginTransactionRequest,
  type CommitRequest,
  type ListCollectionIdsRequest,
  type ListDocumentsRequest,
  type ListenRequest,
  type WriteRequest,
  type RollbackRequest,
  type RunAggregationQueryRequest,
  type RunQueryRequest,
} from "@firestore-emulator/proto/dist/google/firestore/v1/firestore.js";
import type { TransactionOptions } from "@firestore-emulator/proto/dist/google/firestore/v1/common.js";
import { Empty } from "@firestore-emulator/proto/dist/google/protobuf/empty.js";
import { FirestoreState } from "@firestore-emulator/server";
import { FirestoreServiceV1Impl } from "@firestore-emulator/server/dist/server/FirestoreServiceV1Impl/index.js";
import { status, type Metadata, type sendUnaryData, type ServerDuplexStream, type ServerUnaryCall, type ServerWritableStream } from "@grpc/grpc-js";
import { callerOf, type Access, type Caller } from "./access.ts";
import { aggregate } from "./aggregate.ts";
import type { Write } from "@firestore-emulator/proto/dist/google/firestore/v1/write.js";
import { applyWrite, FirestoreError, writeTarget } from "./apply-write.ts";
import { restFieldsToRules } from "./rules.ts";
import { checkRequestSize } from "./limits.ts";
import { projectFields } from "./field-paths.ts";
import { runQuery } from "./query.ts";
import { checkCollectionId, checkResourcePath } from "./reserved.ts";
import type { DocumentStore } from "./store.ts";
import type { Transaction, Transactions } from "./transactions.ts";
import { compareResourcePaths, isoToTimestamp, toProtoDocument } from "./values.ts";
import { WatchStream, type WatchEvent, type WatchHub, type WatchTarget } from "./watch.ts";

interface TransactionalRead {
  has_transaction: boolean;
  transaction: Uint8Array;
  has_new_transaction: boolean;
  new_transaction: TransactionOptions;
}

export class LocalFirestoreService extends FirestoreServiceV1Impl {
  #store: DocumentStore;
  #txs: Transactions;
  #hub: WatchHub;
  #access: Access;
  #writeStreams = 0;

  constructor(store: DocumentStore, txs: Transactions, hub: WatchHub, access: Access) {
    // The package's state backs only the RPCs nobody calls now; ours all read DocumentStore.
    super(new FirestoreState());
    this.#store = store;
    this.#txs = txs;
    this.#hub = hub;
    this.#access = access;
  }

  override Listen(call: ServerDuplexStream<ListenRequest, ListenResponse>): void {
    const caller = callerFrom(call.metadata);
    const stream = new WatchStream(
      this.#hub,
      (event) => call.write(ListenResponse.fromObject(protoEvent(event))),
      (target) => this.#access.watch(caller, target),
      () => call.emit("error", { code: status.UNAVAILABLE, details: "The stand-in dropped this Listen stream (fault injection)." }),
      caller.admin ? null : (caller.auth?.uid ?? null),
    );
    call.on("data", (request: ListenRequest) => {
      if (request.has_add_target) stream.add(targetFromProto(request.add_target));
      else if (request.has_remove_target) stream.remove(request.remove_target);
    });
    call.on("end", () => {
      stream.close();
      call.end();
    });
    call.on("cancelled", () => stream.close());
    call.on("error", () => stream.close());
  }

  /** The client SDK's write stream (setDoc, updateDoc, deleteDoc): a handshake, then one commit per request. */
  override Write(call: ServerDuplexStream<WriteRequest, WriteResponse>): void {
    const caller = callerFrom(call.metadata);
    const streamId = `stream-${++this.#writeStreams}`;
    let sequence = 0;
    const token = () => Buffer.from(String(++sequence));
    call.on("data", (request: WriteRequest) => {
      try {
        if (!request.stream_token.length && !request.writes.length) {
          call.write(WriteResponse.fromObject({ stream_id: streamId, stream_token: token() }));
          return;
        }
        this.#checkWrites(caller, request.writes);
        const outcome = this.#store.commit(request.writes);
        call.write(WriteResponse.fromObject({ stream_id: streamId, stream_token: token(), write_results: outcome.writeResults, commit_time: isoToTimestamp(outcome.commitTime) }));
      } catch (error) {
        // A refused write ends the stream with its status, which is how the SDK learns that write failed.
        call.emit("error", toStatus(error));
      }
    });
    call.on("end", () => call.end());
  }

  /** A client's writes, each against the rules with the document before and after it (the Admin SDK's pass). */
  #checkWrites(caller: Caller, writes: Write[]): void {
    if (caller.admin) return;
    const commitTime = this.#store.nextCommitTime();
    for (const write of writes) {
      const name = writeTarget(write);
      const before = this.#store.get(name);
      const after = applyWrite(before, write, commitTime).doc;
      refuseUnless(this.#access.write(caller, name, before && restFieldsToRules(before.fields), after && restFieldsToRules(after.fields)));
    }
  }

  override BatchGetDocuments(call: ServerWritableStream<BatchGetDocumentsRequest, BatchGetDocumentsResponse>): void {
    void streamed(call, async () => {
      const names = call.request.documents;
      names.forEach(checkResourcePath);
      const caller = callerFrom(call.metadata);
      for (const name of names) refuseUnless(this.#access.get(caller, name));
      const { tx, newId } = this.#transactionFor(call.request);
      if (newId) call.write(BatchGetDocumentsResponse.fromObject({ transaction: newId }));
      if (tx) await this.#txs.lock(tx, names);
      const readTime = isoToTimestamp(this.#store.nextCommitTime());
      for (const name of names) {
        const doc = this.#store.get(name);
        if (tx) this.#txs.recordRead(tx, name, doc);
        if (!doc) {
          call.write(BatchGetDocumentsResponse.fromObject({ missing: name, read_time: readTime }));
          continue;
        }
        this.#store.stats.reads++;
        const shown = call.request.has_mask ? { ...doc, fields: projectFields(doc.fields, call.request.mask.field_paths) } : doc;
        call.write(BatchGetDocumentsResponse.fromObject({ found: toProtoDocument(shown), read_time: readTime }));
      }
    });
  }

  override RunQuery(call: ServerWritableStream<RunQueryRequest, RunQueryResponse>): void {
    void streamed(call, async () => {
      const { parent, structured_query: query } = call.request;
      checkQueryNames(parent, query);
      refuseUnless(this.#access.query(callerFrom(call.metadata), parent, query));
      const { tx, newId } = this.#transactionFor(call.request);
      const docs = tx ? await this.#lockedQuery(tx, () => runQuery(this.#store, parent, query)) : runQuery(this.#store, parent, query);
      const readTime = isoToTimestamp(this.#store.nextCommitTime());
      const transaction = newId ? { transaction: newId } : {};
      this.#store.stats.reads += docs.length;
      docs.forEach((doc, i) => {
        const first = i === 0 ? transaction : {};
        call.write(RunQueryResponse.fromObject({ ...first, document: toProtoDocument(doc), read_time: readTime }));
      });
      call.write(RunQueryResponse.fromObject({ ...(docs.length ? {} : transaction), read_time: readTime, done: true }));
    });
  }

  override RunAggregationQuery(call: ServerWritableStream<RunAggregationQueryRequest, RunAggregationQueryResponse>): void {
    void streamed(call, async () => {
      const { parent, structured_aggregation_query: aggregation } = call.request;
      checkQueryNames(parent, aggregation.structured_query);
      refuseUnless(this.#access.query(callerFrom(call.metadata), parent, aggregation.structured_query));
      const { tx, newId } = this.#transactionFor(call.request);
      const run = () => runQuery(this.#store, parent, aggregation.structured_query);
      const docs = tx ? await this.#lockedQuery(tx, run) : run();
      // Firestore bills an aggregation as one read per 1000 index entries, at least one.
      this.#store.stats.reads += Math.max(1, Math.ceil(docs.length / 1000));
      call.write(
        RunAggregationQueryResponse.fromObject({
          ...(newId ? { transaction: newId } : {}),
          result: { aggregate_fields: aggregate(docs, aggregation.aggregations) },
          read_time: isoToTimestamp(this.#store.nextCommitTime()),
        }),
      );
    });
  }

  override BeginTransaction(
    call: ServerUnaryCall<BeginTransactionRequest, BeginTransactionResponse>,
    callback: sendUnaryData<BeginTransactionResponse>,
  ): void {
    const options = call.request.options;
    const { id } = this.#txs.begin(options.has_read_only, options.read_write?.retry_transaction);
    callback(null, BeginTransactionResponse.fromObject({ transaction: id }));
  }

  override Commit(call: ServerUnaryCall<CommitRequest, CommitResponse>, callback: sendUnaryData<CommitResponse>): void {
    const { transaction, writes } = call.request;
    unary(callback, () => {
      checkRequestSize(call.request.serialize().length);
      this.#checkWrites(callerFrom(call.metadata), writes);
      const tx = transaction.length ? this.#txs.get(transaction) : undefined;
      try {
        if (tx) this.#txs.validate(tx, (name) => this.#store.get(name));
        const outcome = this.#store.commit(writes);
        return CommitResponse.fromObject({ commit_time: isoToTimestamp(outcome.commitTime), write_results: outcome.writeResults });
      } finally {
        if (tx) this.#txs.finish(tx.id);
      }
    });
  }

  override Rollback(call: ServerUnaryCall<RollbackRequest, Empty>, callback: sendUnaryData<Empty>): void {
    this.#txs.finish(Buffer.from(call.request.transaction).toString("hex"));
    callback(null, Empty.fromObject({}));
  }

  /** Non-atomic: each write commits on its own and reports its own status (BulkWriter). */
  override BatchWrite(call: ServerUnaryCall<BatchWriteRequest, BatchWriteResponse>, callback: sendUnaryData<BatchWriteResponse>): void {
    try {
      checkRequestSize(call.request.serialize().length);
    } catch (error) {
      return callback(toStatus(error), null);
    }
    const results = call.request.writes.map((write) => {
      try {
        const [result] = this.#store.commit([write]).writeResults;
        return { result: result ?? { transform_results: [] }, status: { code: status.OK } };
      } catch (error) {
        const { code, details } = toStatus(error);
        return { result: { transform_results: [] }, status: { code, message: details } };
      }
    });
    callback(
      null,
      BatchWriteResponse.fromObject({ write_results: results.map((r) => r.result), status: results.map((r) => r.status) }),
    );
  }

  /** Collections directly under `parent` that hold a document at any depth. */
  override ListCollectionIds(
    call: ServerUnaryCall<ListCollectionIdsRequest, ListCollectionIdsResponse>,
    callback: sendUnaryData<ListCollectionIdsResponse>,
  ): void {
    unary(callback, () => {
      checkResourcePath(call.request.parent);
      const prefix = `${call.request.parent}/`;
      const ids = new Set<string>();
      for (const collection of this.#store.collectionNames()) {
        if (collection.startsWith(prefix)) ids.add(collection.slice(prefix.length).split("/")[0] ?? "");
      }
      return ListCollectionIdsResponse.fromObject({ collection_ids: [...ids].sort() });
    });
  }

  /** listDocuments(): the collection's documents, with show_missing also ids that only have subcollections. */
  override ListDocuments(
    call: ServerUnaryCall<ListDocumentsRequest, ListDocumentsResponse>,
    callback: sendUnaryData<ListDocumentsResponse>,
  ): void {
    unary(callback, () => {
      checkResourcePath(call.request.parent);
      checkCollectionId(call.request.collection_id);
      const collection = `${call.request.parent}/${call.request.collection_id}`;
      const documents = new Map<string, ReturnType<typeof toProtoDocument> | { name: string }>();
      for (const doc of this.#store.inCollection(collection)) documents.set(doc.name, toProtoDocument(doc));
      if (call.request.show_missing) {
        for (const name of this.#store.collectionNames()) {
          if (!name.startsWith(`${collection}/`)) continue;
          const parent = `${collection}/${name.slice(collection.length + 1).split("/")[0]}`;
          if (!documents.has(parent)) documents.set(parent, { name: parent });
        }
      }
      this.#store.stats.reads += documents.size;
      const sorted = [...documents.values()].sort((a, b) => compareResourcePaths(a.name, b.name));
      return ListDocumentsResponse.fromObject({ documents: sorted });
    });
  }

  #transactionFor(request: TransactionalRead): { tx?: Transaction; newId?: Uint8Array } {
    if (request.has_new_transaction) {
      const options = request.new_transaction;
      const { tx, id } = this.#txs.begin(options.has_read_only, options.read_write?.retry_transaction);
      return { tx, newId: id };
    }
    return request.has_transaction ? { tx: this.#txs.get(request.transaction) } : {};
  }

  /** Locks the result documents, re-running until the result is stable, and remembers the query for commit. */
  async #lockedQuery<T extends { name: string; updateTime: string }>(tx: Transaction, run: () => T[]): Promise<T[]> {
    const signature = (docs: T[]) => docs.map((d) => `${d.name}@${d.updateTime}`).join("\n");
    let docs = run();
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.#txs.lock(tx, docs.map((d) => d.name));
      const again = run();
      if (signature(again) === signature(docs)) break;
      docs = again;
    }
    for (const doc of docs) this.#txs.recordRead(tx, doc.name, this.#store.get(doc.name));
    this.#txs.recordQuery(tx, () => signature(run()));
    return docs;
  }
}

function callerFrom(metadata: Metadata): Caller {
  const value = metadata.get("authorization")[0];
  return callerOf(typeof value === "string" ? value : value?.toString("utf8"));
}

function refuseUnless(refusal: string | null): void {
  if (refusal !== null) throw new FirestoreError(status.PERMISSION_DENIED, refusal);
}

function targetFromProto(target: ListenRequest["add_target"]): WatchTarget {
  const resumed = target.has_resume_token && target.resume_token.length > 0;
  if (target.has_documents) return { targetId: target.target_id, documents: target.documents.documents, resumed };
  return { targetId: target.target_id, query: { parent: target.query.parent, structuredQuery: target.query.structured_query }, resumed };
}

/** A WatchEvent as ListenResponse.fromObject() takes it. */
function protoEvent(event: WatchEvent): Parameters<typeof ListenResponse.fromObject>[0] {
  switch (event.kind) {
    case "target":
      return {
        target_change: {
          target_change_type: TargetChangeTargetChangeType[event.type],
          target_ids: event.targetIds,
          ...(event.cause ? { cause: { code: event.cause.code, message: event.cause.message } } : {}),
          ...(event.resumeToken ? { resume_token: Buffer.from(event.resumeToken, "base64") } : {}),
          ...(event.readTime ? { read_time: isoToTimestamp(event.readTime) } : {}),
        },
      };
    case "change":
      return { document_change: { document: toProtoDocument(event.document), target_ids: event.targetIds } };
    case "delete":
      return { document_delete: { document: event.name, removed_target_ids: event.removedTargetIds, read_time: isoToTimestamp(event.readTime) } };
    case "remove":
      return { document_remove: { document: event.name, removed_target_ids: event.removedTargetIds, read_time: isoToTimestamp(event.readTime) } };
  }
}

/** The parent and every collection id a query reads from (a collection-group query over any id names none). */
function checkQueryNames(parent: string, query: RunQueryRequest["structured_query"]): void {
  checkResourcePath(parent);
  for (const from of query.from) if (from.collection_id) checkCollectionId(from.collection_id);
}

function toStatus(error: unknown): { code: status; details: string } {
  if (error instanceof FirestoreError) return { code: error.code, details: error.message };
  console.error("firestore stand-in: unexpected error", error);
  return { code: status.INTERNAL, details: error instanceof Error ? error.message : String(error) };
}

function unary<T>(callback: sendUnaryData<T>, handle: () => T): void {
  try {
    callback(null, handle());
  } catch (error) {
    callback(toStatus(error), null);
  }
}

async function streamed(call: ServerWritableStream<unknown, unknown>, handle: () => Promise<void>): Promise<void> {
  try {
    await handle();
    call.end();
  } catch (error) {
    call.emit("error", toStatus(error));
  }
}
