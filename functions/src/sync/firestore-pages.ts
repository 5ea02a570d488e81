/**
 * Pages of a mirrored collection in document-key order, resumed after the last key of the previous page — never
 * an offset, which Firestore bills and walks from the start every time. Subcollections of users are read through
 * one collection-group query, whose keys (and cursors) are whole document paths.
 */
import type { Query, QueryDocumentSnapshot } from "firebase-admin/firestore";
import type { FirestoreKit } from "../adapters/firestore.js";
import { TOP_LEVEL } from "./collections.js";
import type { KeyRange } from "./reconcile/readers/reader.js";

/** Firestore documents per page (and so per sink request). */
export const FIRESTORE_PAGE = 500;

export async function* firestorePages(
  kit: FirestoreKit,
  collection: string,
  range: KeyRange,
  limit: number,
  pageSize = FIRESTORE_PAGE,
): AsyncGenerator<QueryDocumentSnapshot[]> {
  const { db, sdk } = kit;
  const topLevel = TOP_LEVEL.has(collection);
  // Top-level cursors are document ids; collection-group cursors are references (any valid path, e.g. users/{uid}).
  const key = (path: string) => (topLevel ? path.slice(collection.length + 1) : db.doc(path));
  let query: Query = (topLevel ? db.collection(collection) : db.collectionGroup(collection)).orderBy(sdk.FieldPath.documentId());
  if (range.upTo !== undefined) query = query.endAt(key(range.upTo));
  let after = range.after;
  let remaining = limit;
  while (remaining > 0) {
    const size = Math.min(pageSize, remaining);
    const page = await (after === undefined ? query : query.startAfter(key(after))).limit(size).get();
    if (page.empty) return;
    yield page.docs;
    remaining -= page.size;
    if (page.size < size) return;
    after = page.docs.at(-1)?.ref.path;
  }
}
