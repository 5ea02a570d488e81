/** Activities, the heat map and stats payloads (API.md "Activity"). */
import { z } from "zod";
import { Id, LocalDate, StoredText } from "./common.js";

/** API.md: metadata is a flat object of at most 20 values, at most 4 KiB serialised. */
export const MAX_METADATA_ENTRIES = 20;
export const MAX_METADATA_BYTES = 4 * 1024;
/** occurredAt may be at most 5 minutes ahead of the server (client clocks drift) and 7 days behind (offline queues). */
export const MAX_FUTURE_MS = 5 * 60_000;
export const MAX_PAST_MS = 7 * 86_400_000;

/** Metadata keys become Firestore field names, where names matching __.*__ are reserved (Firestore refuses the write). */
const MetadataKey = z.string().regex(/^(?!__.*__$)[A-Za-z0-9_.-]{1,64}$/, "keys match [A-Za-z0-9_.-]{1,64}, not __…__ (reserved by Firestore)");

const Metadata = z
  .record(MetadataKey, z.union([StoredText.max(1_024), z.number(), z.boolean()]))
  .refine((metadata) => Object.keys(metadata).length <= MAX_METADATA_ENTRIES, { message: `at most ${MAX_METADATA_ENTRIES} entries` })
  .refine((metadata) => Buffer.byteLength(JSON.stringify(metadata)) <= MAX_METADATA_BYTES, { message: `at most ${MAX_METADATA_BYTES} bytes` });

/** Fields every activity carries. */
const Common = {
  clientEventId: Id,
  occurredAt: z.number().int().positive().optional(),
  metadata: Metadata.optional(),
};

/** One strict shape per type: which ids it requires, allows, or (by omission) refuses. */
export const RecordActivityRequest = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("signup"), ...Common }),
  z.strictObject({ type: z.literal("login"), ...Common }),
  z.strictObject({ type: z.literal("logout"), ...Common }),
  z.strictObject({ type: z.literal("course_view"), courseId: Id, ...Common }),
  z.strictObject({ type: z.literal("lecture_view"), courseId: Id, lectureId: Id, ...Common }),
  z.strictObject({ type: z.literal("lecture_complete"), courseId: Id, lectureId: Id, ...Common }),
  z.strictObject({ type: z.literal("quiz_start"), quizId: Id, courseId: Id.optional(), ...Common }),
  z.strictObject({ type: z.literal("quiz_complete"), quizId: Id, courseId: Id.optional(), ...Common }),
  z.strictObject({ type: z.literal("search"), ...Common }),
  z.strictObject({ type: z.literal("certificate_earned"), courseId: Id, ...Common }),
  z.strictObject({ type: z.literal("purchase"), courseId: Id.optional(), ...Common }),
  z.strictObject({ type: z.literal("refund"), courseId: Id.optional(), ...Common }),
  z.strictObject({ type: z.literal("subscription_change"), ...Common }),
]);
export type RecordActivityRequest = z.infer<typeof RecordActivityRequest>;
export type ActivityType = RecordActivityRequest["type"];

export const RecordActivityResponse = z.strictObject({ activityId: z.string(), duplicate: z.boolean() });
export type RecordActivityResponse = z.infer<typeof RecordActivityResponse>;

/** Where an activity came from: coarse, and never the raw IP. */
export const DeviceContext = z.object({
  userAgent: z.string().max(256).nullable(),
  platform: z.enum(["android", "ios", "windows", "macos", "linux", "chromeos", "other"]),
  /** IPv4 /24 or IPv6 /48 network, enough for abuse analysis without identifying a household. */
  ipNetwork: z.string().max(64).nullable(),
});
export type DeviceContext = z.infer<typeof DeviceContext>;

export const HEATMAP_DEFAULT_DAYS = 365;
export const GetHeatmapRequest = z.strictObject({ days: z.number().int().min(1).max(366).optional() });
export type GetHeatmapRequest = z.infer<typeof GetHeatmapRequest>;

export const HeatmapResponse = z.strictObject({ days: z.array(z.strictObject({ date: LocalDate, count: z.number().int().nonnegative() })) });
export type HeatmapResponse = z.infer<typeof HeatmapResponse>;

/** `users/{uid}/activityDays/{YYYY-MM-DD}`. */
export const ActivityDayDoc = z.object({ date: LocalDate, count: z.number().int().nonnegative() });
export type ActivityDayDoc = z.infer<typeof ActivityDayDoc>;
