/**
 * Document keys of the mirrored collections: Firestore paths, their path params, and the Cosmos item ids the legacy
 * containers use (mappers/cosmos.ts). Pure.
 *
 * Top-level collections (answers, activities, users) hold `{collection}/{id}`; the others are subcollections of a
 * user, `users/{uid}/{collection}/{id}`, read through a collection-group query.
 */

export const TOP_LEVEL = new Set(["answers", "activities", "users"]);

/** Path params of a document under its trigger pattern (`users/{uid}/progress/{courseId}`), as the trigger sees them. */
export function pathParamsOf(pattern: string, path: string): Record<string, string> | undefined {
  const names = pattern.split("/");
  const parts = path.split("/");
  if (names.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, name] of names.entries()) {
    const part = parts[index] ?? "";
    if (name.startsWith("{")) params[name.slice(1, -1)] = part;
    else if (name !== part) return undefined;
  }
  return params;
}

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
