/** The mirrored collections and where their documents live. Pure. */

/** The document pattern of each mirrored collection (each has a trigger; MIRROR_COLLECTIONS switches them at run time). */
export const MIRRORED_DOCUMENTS = {
  users: "users/{uid}",
  progress: "users/{uid}/progress/{courseId}",
  activityDays: "users/{uid}/activityDays/{date}",
  competencies: "users/{uid}/competencies/{competencyId}",
  activities: "activities/{activityId}",
  answers: "answers/{answerId}",
  quizProgress: "users/{uid}/quizProgress/{quizId}",
  reviews: "reviews/{reviewId}",
} as const;

export type MirroredCollection = keyof typeof MIRRORED_DOCUMENTS;

export function isMirroredCollection(name: string): name is MirroredCollection {
  return Object.hasOwn(MIRRORED_DOCUMENTS, name);
}

/** A subcollection (users/{uid}/progress/...) is read with a collection-group query; a top-level one directly. */
export function isSubcollection(collection: string): boolean {
  return !TOP_LEVEL.has(collection);
}

/** Collections stored at the top level (`{collection}/{id}`); the others are subcollections of a user. */
export const TOP_LEVEL: ReadonlySet<string> = new Set(
  Object.entries(MIRRORED_DOCUMENTS)
    .filter(([, pattern]) => pattern.split("/").length === 2)
    .map(([collection]) => collection),
);

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
