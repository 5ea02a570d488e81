/** Data rights payloads (API.md "Data rights"): a learner's data exported, or erased from every store. */
import { z } from "zod";
import { Id } from "./common.js";

/** The sections of an export, each one collection of the learner's own documents. */
export const EXPORT_SECTIONS = ["profile", "progress", "activities", "answers", "competencies", "quizProgress", "activityDays"] as const;
export const ExportSection = z.enum(EXPORT_SECTIONS);
export type ExportSection = z.infer<typeof ExportSection>;

/** An opaque cursor from a previous page (the last document id, base64url). */
export const ExportCursor = z.string().min(1).max(400);

export const ExportMyDataRequest = z.strictObject({ section: ExportSection, cursor: ExportCursor.optional() });
export type ExportMyDataRequest = z.infer<typeof ExportMyDataRequest>;

/** One document as stored: its path under the database, and its data as JSON (timestamps as ISO 8601 strings). */
export const ExportItem = z.strictObject({ path: z.string(), data: z.record(z.string(), z.json()) });
export type ExportItem = z.infer<typeof ExportItem>;

export const ExportMyDataResponse = z.strictObject({ section: ExportSection, items: z.array(ExportItem), nextCursor: z.string().nullable() });
export type ExportMyDataResponse = z.infer<typeof ExportMyDataResponse>;

export const DeleteUserDataRequest = z.strictObject({ uid: Id });
export type DeleteUserDataRequest = z.infer<typeof DeleteUserDataRequest>;

/** The learner confirms in words: a client cannot erase an account by a stray call. */
export const DeleteMyDataRequest = z.strictObject({ confirm: z.literal("DELETE") });
export type DeleteMyDataRequest = z.infer<typeof DeleteMyDataRequest>;

export const GetErasureRequest = z.strictObject({ requestId: Id });
export type GetErasureRequest = z.infer<typeof GetErasureRequest>;

export const ERASURE_STORES = ["firestore", "redis", "mongo", "cosmos", "bigquery"] as const;
export type ErasureStore = (typeof ERASURE_STORES)[number];

/** What one store has erased of the learner so far, and what it still holds (0 when done). */
export const StoreErasure = z.strictObject({ deleted: z.number().int().nonnegative(), remaining: z.number().int().nonnegative() });
export type StoreErasure = z.infer<typeof StoreErasure>;

export const ErasureResponse = z.strictObject({
  uid: z.string(),
  requestId: z.string(),
  status: z.enum(["done", "pending"]),
  stores: z.strictObject(Object.fromEntries(ERASURE_STORES.map((store) => [store, StoreErasure])) as Record<ErasureStore, typeof StoreErasure>),
});
export type ErasureResponse = z.infer<typeof ErasureResponse>;
