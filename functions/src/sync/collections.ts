/** The mirrored collections and where their documents live. Pure. */

/** The document pattern of each mirrored collection (each has a trigger; MIRROR_COLLECTIONS switches them at run time). */
export const MIRRORED_DOCUMENTS = {
  users: "users/{uid}",
  progress: "users/{uid}/progress/{courseId}",
  activityDays: "users/{uid}/activityDays/{date}",
  competencies: "users/{uid}/competencies/{competencyId}",
  activities: "activities/{activityId}",
  answers: "answers/{answerId}",
} as const;

export type MirroredCollection = keyof typeof MIRRORED_DOCUMENTS;

export function isMirroredCollection(name: string): name is MirroredCollection {
  return Object.hasOwn(MIRRORED_DOCUMENTS, name);
}

/** A subcollection (users/{uid}/progress/...) is read with a collection-group query; a top-level one directly. */
export function isSubcollection(collection: MirroredCollection): boolean {
  return MIRRORED_DOCUMENTS[collection].split("/").length > 2;
}

/** The path params a trigger on the collection's pattern would extract from a document path. */
export function pathParamsOf(collection: MirroredCollection, documentPath: string): Record<string, string> {
  const pattern = MIRRORED_DOCUMENTS[collection].split("/");
  const segments = documentPath.split("/");
  const params: Record<string, string> = {};
  pattern.forEach((part, index) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name && segments[index] !== undefined) params[name] = segments[index] as string;
  });
  return params;
}
