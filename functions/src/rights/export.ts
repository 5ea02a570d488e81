/**
 * A learner's own data, section by section, as stored (API.md exportMyData): the right of access. Each page is one
 * ordered query over one collection, so an export of any size is a sequence of bounded reads.
 */
import type { Firestore, Query } from "firebase-admin/firestore";
import { InvalidInputError } from "../errors.js";
import type { ExportMyDataResponse, ExportSection } from "../schemas/rights.js";
import { toJson } from "../sync/envelope.js";

/** Documents per page: a page of the largest documents (progress, ~256 KiB each) stays far under a callable's 10 MiB answer. */
export const EXPORT_PAGE_SIZE = 25;

/** Where each section lives: under the user's document, or a top-level collection owned by its `uid` field. */
const SECTIONS: Record<Exclude<ExportSection, "profile">, { subcollection: string } | { ownedIn: string }> = {
  progress: { subcollection: "progress" },
  competencies: { subcollection: "competencies" },
  quizProgress: { subcollection: "quizProgress" },
  activityDays: { subcollection: "activityDays" },
  activities: { ownedIn: "activities" },
  answers: { ownedIn: "answers" },
};

export async function exportSection(db: Firestore, uid: string, section: ExportSection, cursor?: string): Promise<ExportMyDataResponse> {
  if (section === "profile") {
    const user = await db.doc(`users/${uid}`).get();
    return { section, items: user.exists ? [{ path: user.ref.path, data: asJsonObject(user.data()) }] : [], nextCursor: null };
  }
  const where = SECTIONS[section];
  let query: Query = "subcollection" in where ? db.collection(`users/${uid}/${where.subcollection}`) : db.collection(where.ownedIn).where("uid", "==", uid);
  query = query.orderBy("__name__").limit(EXPORT_PAGE_SIZE);
  if (cursor) query = query.startAfter(decodeCursor(cursor));
  const page = await query.get();
  const items = page.docs.map((doc) => ({ path: doc.ref.path, data: asJsonObject(doc.data()) }));
  const last = page.docs.at(-1);
  return { section, items, nextCursor: last && page.size === EXPORT_PAGE_SIZE ? Buffer.from(last.id).toString("base64url") : null };
}

/** A document id as Firestore allows one (ids here are ours: dates, derived ids, `subject~skill~subskill`). */
const DOCUMENT_ID = /^(?!__.*__$)(?!\.\.?$)[^/]{1,1500}$/;

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!DOCUMENT_ID.test(id)) throw new InvalidInputError([{ path: "cursor", message: "is not a cursor this callable gave" }]);
  return id;
}

function asJsonObject(data: unknown): Record<string, ReturnType<typeof toJson>> {
  return toJson(data ?? {}) as Record<string, ReturnType<typeof toJson>>;
}
