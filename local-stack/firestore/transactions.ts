/**
 * Serialisable read-write transactions. Firestore serves the Admin SDK with pessimistic locks: a document read in a
 * transaction is locked until commit or rollback, so concurrent read-modify-write transactions queue instead of
 * losing updates. We do the same (one exclusive lock per document; a waiter that would close a cycle is ABORTED,
 * which the SDK retries), and also check at commit that nothing read has changed, because writes outside
 * transactions do not wait for locks here. A transaction idle too long expires and releases its locks.
 */
import { randomBytes } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { FirestoreError, type StoredDoc } from "./apply-write.ts";

// Firestore: a transaction idle for 60 s expires (its locks are released).
const TRANSACTION_IDLE_MS = 60_000;
const EXPIRY_SWEEP_MS = 5_000;

export interface Transaction {
  id: string;
  readOnly: boolean;
  /** Document name -> updateTime when first read (null: it did not exist). */
  reads: Map<string, string | null>;
  /** Each query read: re-runs it and returns a signature of its result. */
  queries: Array<{ signature: string; rerun: () => string }>;
  held: Set<string>;
  waitingFor?: string;
  lastActive: number;
}

interface Lock {
  holder: Transaction;
  waiters: Array<{ tx: Transaction; grant: () => void; refuse: (error: Error) => void }>;
}

export class Transactions {
  #open = new Map<string, Transaction>();
  #locks = new Map<string, Lock>();
  #sweeper = setInterval(() => this.#expireIdle(), EXPIRY_SWEEP_MS).unref();

  begin(readOnly: boolean, retrying?: Uint8Array): { tx: Transaction; id: Uint8Array } {
    if (retrying?.length) this.finish(Buffer.from(retrying).toString("hex"));
    const bytes = randomBytes(16);
    const tx: Transaction = {
      id: bytes.toString("hex"),
      readOnly,
      reads: new Map(),
      queries: [],
      held: new Set(),
      lastActive: Date.now(),
    };
    this.#open.set(tx.id, tx);
    return { tx, id: bytes };
  }

  get(id: Uint8Array): Transaction {
    const tx = this.#open.get(Buffer.from(id).toString("hex"));
    // Firestore's wording; the SDK retries this one INVALID_ARGUMENT.
    if (!tx) throw new FirestoreError(status.INVALID_ARGUMENT, "The referenced transaction has expired or is no longer valid.");
    tx.lastActive = Date.now();
    return tx;
  }

  /** Locks documents in name order (a fixed order avoids most deadlocks between multi-document reads). */
  async lock(tx: Transaction, names: string[]): Promise<void> {
    if (tx.readOnly) return;
    for (const name of [...new Set(names)].sort()) await this.#lockOne(tx, name);
    tx.lastActive = Date.now();
  }

  recordRead(tx: Transaction, name: string, doc: StoredDoc | null): void {
    if (!tx.readOnly && !tx.reads.has(name)) tx.reads.set(name, doc?.updateTime ?? null);
  }

  recordQuery(tx: Transaction, rerun: () => string): void {
    if (!tx.readOnly) tx.queries.push({ signature: rerun(), rerun });
  }

  /** Throws ABORTED when anything the transaction read has changed since. */
  validate(tx: Transaction, current: (name: string) => StoredDoc | null): void {
    for (const [name, version] of tx.reads) {
      if ((current(name)?.updateTime ?? null) !== version) {
        throw new FirestoreError(status.ABORTED, `Transaction lock timeout or contention on ${name}; retry.`);
      }
    }
    for (const query of tx.queries) {
      if (query.rerun() !== query.signature) throw new FirestoreError(status.ABORTED, "Query results changed; retry.");
    }
  }

  /** Ends the transaction (commit, rollback, failure or expiry) and hands each lock to its next waiter. */
  finish(id: string): void {
    const tx = this.#open.get(id);
    if (!tx) return;
    this.#open.delete(id);
    for (const lock of this.#locks.values()) {
      const at = lock.waiters.findIndex((waiter) => waiter.tx === tx);
      if (at >= 0) lock.waiters.splice(at, 1)[0]?.refuse(aborted("the transaction ended"));
    }
    for (const name of tx.held) this.#handOver(name);
    tx.held.clear();
  }

  close(): void {
    clearInterval(this.#sweeper);
    for (const id of [...this.#open.keys()]) this.finish(id);
  }

  async #lockOne(tx: Transaction, name: string): Promise<void> {
    const lock = this.#locks.get(name);
    if (!lock) {
      this.#locks.set(name, { holder: tx, waiters: [] });
      tx.held.add(name);
      return;
    }
    if (lock.holder === tx) return;
    if (this.#waitsOn(lock.holder, tx)) throw aborted(`deadlock on ${name}`);
    tx.waitingFor = name;
    try {
      await new Promise<void>((grant, refuse) => lock.waiters.push({ tx, grant, refuse }));
    } finally {
      tx.waitingFor = undefined;
    }
  }

  /** True when `from` already waits, directly or through others, on a lock `target` holds. */
  #waitsOn(from: Transaction, target: Transaction): boolean {
    const seen = new Set<Transaction>();
    for (let tx: Transaction | undefined = from; tx && !seen.has(tx); ) {
      if (tx === target) return true;
      seen.add(tx);
      tx = tx.waitingFor ? this.#locks.get(tx.waitingFor)?.holder : undefined;
    }
    return false;
  }

  #handOver(name: string): void {
    const lock = this.#locks.get(name);
    const next = lock?.waiters.shift();
    if (!lock || !next) {
      this.#locks.delete(name);
      return;
    }
    lock.holder = next.tx;
    next.tx.held.add(name);
    next.grant();
  }

  #expireIdle(): void {
    const cutoff = Date.now() - TRANSACTION_IDLE_MS;
    for (const tx of [...this.#open.values()]) if (tx.lastActive < cutoff && !tx.waitingFor) this.finish(tx.id);
  }
}

const aborted = (why: string) => new FirestoreError(status.ABORTED, `Transaction aborted: ${why}; retry.`);
