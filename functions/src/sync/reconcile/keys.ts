/**
 * Document keys of the mirrored collections: Firestore paths, their path params, and the Cosmos item ids the legacy
 * containers use (mappers/cosmos.ts). Pure.
 *
 * Top-level collections (answers, activities, users) hold `{collection}/{id}`; the others are subcollections of a
 * user, `users/{uid}/{collection}/{id}`, read through a collection-group query.
 */

export { pathParamsOf, TOP_LEVEL } from "../collections.js";
import { TOP_LEVEL } from "../collections.js";

/**
 * A path (or a range bound given as a path: `answers/ab`, `users/u1`, `users/u1/progress/c1`) in the Cosmos id order
 * of the collection's container: the document id for top-level collections, `{uid}~{id}` for subcollections.
 */
export function cosmosKeyOf(path: string): string {
  const parts = path.split("/");
  if (parts.length >= 4) return `${parts[1]}~${parts.slice(3).join("/")}`;
  return parts[1] ?? "";
}

/** The Firestore path of a Cosmos item id (the inverse of the mapper's ids; a uid never holds "~", an id may). */
export function pathOfCosmosKey(collection: string, id: string): string {
  if (TOP_LEVEL.has(collection)) return `${collection}/${id}`;
  const cut = id.indexOf("~");
  return `users/${id.slice(0, cut)}/${collection}/${id.slice(cut + 1)}`;
}
