/**
 * Keeps the package's Listen (onSnapshot) working over our store: its v1Listen only calls getDocument(), v1Query()
 * and the create/update/delete-document events, so this FirestoreState answers those from DocumentStore.
 */
import { FirestoreState, type FirestoreStateDocument } from "@firestore-emulator/server";
import type { StructuredQuery } from "@firestore-emulator/proto/dist/google/firestore/v1/query.js";
import type { StoredDoc } from "./apply-write.ts";
import { runQuery } from "./query.ts";
import type { DocumentStore } from "./store.ts";
import { toProtoDocument } from "./values.ts";

/** The part of FirestoreStateDocument that v1Listen touches. */
interface ListenedDocument {
  metadata: { hasExist: boolean };
  getPath(): string;
  toV1DocumentObject(): ReturnType<typeof toProtoDocument>;
}

const view = (name: string, doc: StoredDoc | null): ListenedDocument => ({
  metadata: { hasExist: doc !== null },
  getPath: () => name,
  toV1DocumentObject: () => toProtoDocument(doc ?? { name, fields: {}, createTime: "", updateTime: "" }),
});

// v1Listen is typed against the package's document class; our views satisfy the part it uses.
const asStateDocument = (doc: ListenedDocument) => doc as unknown as FirestoreStateDocument;

export class ListenState extends FirestoreState {
  #store: DocumentStore;

  constructor(store: DocumentStore) {
    super();
    this.#store = store;
    store.onCommit(({ writes }) => {
      for (const { before, after } of writes) {
        const name = (after ?? before)?.name ?? "";
        const event = !after ? "delete-document" : before ? "update-document" : "create-document";
        this.emitter.emit(event, { document: asStateDocument(view(name, after)) });
      }
    });
  }

  override getDocument(path: string): FirestoreStateDocument {
    return asStateDocument(view(path, this.#store.get(path)));
  }

  override v1Query(parent: string, query: StructuredQuery): FirestoreStateDocument[] {
    return runQuery(this.#store, parent, query).map((doc) => asStateDocument(view(doc.name, doc)));
  }
}
