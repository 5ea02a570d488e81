/**
 * The local Firestore stand-in: `@firestore-emulator/server` 0.3.15 (a Node gRPC emulator) with its gaps closed so
 * firebase-admin behaves as against real Firestore.
 *
 * Why a wrapper and not patch-package: the gaps sit in the package's write path (one write applied as several
 * partial sets, transforms by top-level name only, no staging), its query engine and its transaction stubs, so a
 * patch would rewrite most of FirestoreState. Instead we keep what works — the gRPC service definition, the proto
 * classes and Listen (onSnapshot) — and replace the read/write RPCs by subclassing its service (service.ts) over
 * our own document store (store.ts), with one module per concern: apply-write.ts and transforms.ts (writes),
 * transactions.ts (locks), query.ts (queries), watch.ts (Listen, for gRPC and the browser's WebChannel),
 * access.ts and rules.ts (client requests checked against firestore.rules), reserved.ts and
 * utf8.ts (requests Firestore refuses: reserved names, strings that are not UTF-8), limits.ts (Firestore's limits on
 * document size, index entries, depth and request size).
 */
import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { FirestoreServiceV1Impl } from "@firestore-emulator/server/dist/server/FirestoreServiceV1Impl/index.js";
import { documentSize, indexEntries, MAX_REQUEST_BYTES, type IndexConfig } from "./limits.ts";
import { Access } from "./access.ts";
import { LocalFirestoreService } from "./service.ts";
import { DocumentStore, type FirestoreCommit, type StoreStats } from "./store.ts";
import { Transactions } from "./transactions.ts";
import { refusingInvalidUtf8 } from "./utf8.ts";
import { WatchHub } from "./watch.ts";
import { webChannel } from "./webchannel.ts";
import { emulatorRoute } from "./emulator-routes.ts";

export type { FirestoreCommit, FirestoreWrite } from "./store.ts";
export type { RestDocument, RestValue, RestFields } from "./values.ts";

export interface LocalFirestore {
  /**
   * "127.0.0.1:PORT", for FIRESTORE_EMULATOR_HOST and connectFirestoreEmulator: gRPC for the Admin SDK and the JS SDK
   * in Node, WebChannel for the JS SDK in a browser, and the emulator's REST routes (rules, clearing).
   */
  host: string;
  port: number;
  /** Listen streams opened and events sent on them (both transports), since start. */
  watchStats(): { streams: number; events: number };
  /** Fault injection: cuts every open Listen stream (gRPC and WebChannel), or one signed-in uid's, as a network drop would; answers how many. */
  dropListenStreams(uid?: string): number;
  projectId: string;
  /** Called once per committed Commit (or BatchWrite write) with every document it changed, after it is applied. */
  onCommit(listener: (commit: FirestoreCommit) => void): () => void;
  /** Client requests the rules refused, since start. */
  refused(): number;
  /** Since start or resetStats(): document writes committed, commits, documents returned by reads. */
  stats(): StoreStats;
  resetStats(): void;
  /** Drops every document (tests, reseeding). */
  clear(): void;
  /** A stored document's size and index entries as Firestore counts them against its limits (limits.ts). */
  measure(relativePath: string): { bytes: number; indexEntries: number } | undefined;
  /** Fault injection: commits that write under this path prefix fail with DEADLINE_EXCEEDED (which the SDK does not retry) until called with null. */
  failWrites(prefix: string | null): void;
  stop(): Promise<void>;
}

export interface StartFirestoreOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default "demo-learnpulse" */
  projectId?: string;
  /**
   * The project's `firestore.indexes.json` (a path, or its content): its exemptions and composite indexes decide how
   * many index entries a document takes against Firestore's 40,000 (limits.ts). Without it, every field is indexed.
   */
  indexes?: string | IndexConfig;
  /**
   * The project's `firestore.rules` (a path). Client SDK requests (any without the Admin SDK's `Bearer owner`) are
   * checked against it; without it they are all refused, like a database in locked mode.
   */
  rules?: string;
}

export async function startFirestore(options: StartFirestoreOptions = {}): Promise<LocalFirestore> {
  const projectId = options.projectId ?? "demo-learnpulse";
  const indexes = typeof options.indexes === "string" ? (JSON.parse(readFileSync(options.indexes, "utf8")) as IndexConfig) : options.indexes;
  const store = new DocumentStore(indexes);
  const transactions = new Transactions();
  // gRPC's default of 4 MiB would refuse what Firestore takes: requests up to 10 MiB, refused past that by limits.ts.
  const server = new Server({ "grpc.max_receive_message_length": MAX_REQUEST_BYTES + 1_048_576 });
  const hub = new WatchHub(store);
  const access = new Access(store, `projects/${projectId}/databases/(default)/documents`, options.rules === undefined ? undefined : readFileSync(options.rules, "utf8"));
  const service = new LocalFirestoreService(store, transactions, hub, access);
  const { definition, implementation } = refusingInvalidUtf8(FirestoreServiceV1Impl.definition, service);
  server.addService(definition, implementation);
  const grpc = server.createConnectionInjector(ServerCredentials.createInsecure());
  const web = webChannel({ hub, access });
  const http = createHttpServer((req, res) => web.handle(req, res) || emulatorRoute(req, res, { projectId, store, access }));

  // One port for both, as the official emulator has: gRPC (HTTP/2, whose preface starts "PRI") for the Node SDKs,
  // HTTP/1.1 for a browser's WebChannel and the emulator's REST routes. Loopback only.
  const front = createNetServer((socket) => {
    socket.once("data", (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first.subarray(0, 3).toString("latin1") === "PRI") grpc.injectConnection(socket);
      else http.emit("connection", socket);
      process.nextTick(() => socket.resume());
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    front.once("error", reject);
    // A burst of SDK connections overflows node's default backlog of 511.
    front.listen({ port: options.port ?? 0, host: "127.0.0.1", backlog: 4096 }, () => resolve((front.address() as AddressInfo).port));
  });

  return {
    host: `127.0.0.1:${port}`,
    port,
    watchStats: () => ({ ...hub.stats }),
    dropListenStreams: (uid) => hub.drop(uid),
    projectId,
    onCommit: (listener) => store.onCommit(listener),
    failWrites: (prefix) => void (store.failingPrefix = prefix),
    stats: () => ({ ...store.stats }),
    refused: () => access.refused,
    resetStats: () => Object.assign(store.stats, { writes: 0, commits: 0, reads: 0 }),
    clear: () => store.clear(),
    measure: (relativePath) => {
      const doc = store.get(`projects/${projectId}/databases/(default)/documents/${relativePath}`);
      if (!doc) return undefined;
      const segments = relativePath.split("/");
      return { bytes: documentSize(relativePath, doc.fields), indexEntries: indexEntries(segments[segments.length - 2] ?? "", doc.fields, indexes) };
    },
    stop: async () => {
      web.close();
      transactions.close();
      // Listen streams never end by themselves, so a graceful shutdown would wait on them.
      grpc.destroy();
      server.forceShutdown();
      http.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
