/**
 * Valid payloads of every callable, from the contract (docs/api.md) and the demo catalogue that the fuzzer seeds
 * (local-stack/seed.ts): mostly ids that exist (demo-course, its lectures, demo-q-<type>), so that valid payloads
 * reach the happy paths, and some unknown ids, so that they reach NOT_FOUND. A callable without an entry here is
 * still fuzzed, with generic JSON (`genericPayload`).
 */
import fc from "fast-check";
import { DEMO_COURSE_ID, DEMO_LECTURES, DEMO_QUESTIONS } from "@learnpulse/local-stack/seed.ts";
import type { WireValue } from "./wire.ts";

type Payload = { [key: string]: WireValue };

/** API.md: ids match ^[A-Za-z0-9_-]{1,128}$; Firestore reserves __.*__ (functions/src/schemas/common.ts). */
const randomId = fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/).filter((id) => !/^__.*__$/.test(id));
/**
 * Valid ids that every object inherits as a property (valueOf, constructor, ...): a lookup of one in a plain object
 * finds Object.prototype's function (a lecture id valueOf once made coverage NaN and every flush fail). Random
 * generation finds them only by luck, so they are drawn on purpose.
 */
const INHERITED_NAMES = Object.getOwnPropertyNames(Object.prototype).filter((name) => /^[A-Za-z0-9_-]{1,128}$/.test(name) && !/^__.*__$/.test(name));
export const anyId = fc.oneof({ weight: 4, arbitrary: randomId }, { weight: 1, arbitrary: fc.constantFrom(...INHERITED_NAMES) });
const knownOr = (known: readonly string[]) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: anyId });
const courseId = knownOr([DEMO_COURSE_ID]);
const lectureId = knownOr(DEMO_LECTURES.map((lecture) => lecture.id));
/** Well-formed text: any code point, no lone surrogate (those are a mutation). */
const text = (maxLength: number) => fc.string({ unit: "binary", maxLength });

/** API.md: positions and durations are seconds, 0..86,400. */
const MAX_SECONDS = 86_400;
const seconds = (max: number) => fc.double({ min: 0, max, noNaN: true });

const saveProgress = fc
  .option(fc.double({ min: 0.5, max: MAX_SECONDS, noNaN: true }), { nil: undefined })
  .chain((duration) => {
    const end = duration ?? MAX_SECONDS;
    const segment = fc
      .tuple(seconds(end), seconds(end))
      .filter(([a, b]) => a !== b)
      .map(([a, b]) => (a < b ? [a, b] : [b, a]));
    return fc.record(
      {
        courseId,
        lectureId,
        position: seconds(MAX_SECONDS),
        duration: fc.constant(duration),
        playedSegments: fc.array(segment, { maxLength: 100 }),
      },
      { requiredKeys: ["courseId", "lectureId", "position"] },
    );
  })
  .map(dropUndefined);

/** API.md recordActivity: which ids each type requires (R) or allows (O). */
const ACTIVITY_IDS: Record<string, Record<string, "R" | "O">> = {
  signup: {},
  login: {},
  logout: {},
  course_view: { courseId: "R" },
  lecture_view: { courseId: "R", lectureId: "R" },
  lecture_complete: { courseId: "R", lectureId: "R" },
  quiz_start: { quizId: "R", courseId: "O" },
  quiz_complete: { quizId: "R", courseId: "O" },
  search: {},
  certificate_earned: { courseId: "R" },
  purchase: { courseId: "O" },
  refund: { courseId: "O" },
  subscription_change: {},
};
/** occurredAt: at most 5 minutes ahead, at most 7 days back; a margin keeps a payload valid while its round runs. */
const OCCURRED_AT = { aheadMs: 4 * 60_000, backMs: 7 * 86_400_000 - 60 * 60_000 };
const metadataValue = fc.oneof(text(40), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean());
const metadata = fc.dictionary(fc.stringMatching(/^[A-Za-z0-9_.-]{1,16}$/), metadataValue, { maxKeys: 20 });

const recordActivity = fc.constantFrom(...Object.keys(ACTIVITY_IDS)).chain((type) => {
  const ids = ACTIVITY_IDS[type] as Record<string, "R" | "O">;
  const idArbs = Object.fromEntries(Object.keys(ids).map((name) => [name, name === "lectureId" ? lectureId : name === "courseId" ? courseId : anyId]));
  const fields: Record<string, fc.Arbitrary<WireValue>> = {
    type: fc.constant(type),
    clientEventId: anyId,
    ...idArbs,
    occurredAt: fc.integer({ min: -OCCURRED_AT.backMs, max: OCCURRED_AT.aheadMs }).map((offset) => Date.now() + offset),
    metadata,
  };
  return fc
    .record(fields, { requiredKeys: ["type", "clientEventId", ...Object.keys(ids).filter((name) => ids[name] === "R")] })
    .map(dropUndefined);
});

type DemoQuestion = { type: string; options?: { id: string }[]; allowMultiple?: boolean; left?: string[]; right?: string[]; blankCount?: number };

/** A well-shaped answer for a demo question (right or wrong: grading is the server's business). */
function answerFor(question: DemoQuestion): fc.Arbitrary<WireValue> {
  const optionIds = (question.options ?? []).map((option) => option.id);
  const label = (known: readonly string[]) => fc.oneof(fc.constantFrom(...(known.length ? known : ["x"])), text(40).filter((s) => s.length > 0));
  switch (question.type) {
    case "multiple_choice":
      return question.allowMultiple
        ? fc.record({ choices: fc.shuffledSubarray(optionIds, { minLength: 1 }) })
        : fc.record({ choice: knownOr(optionIds) });
    case "true_false":
      return fc.record({ value: fc.boolean() });
    case "fill_blank":
      // One text per blank: more would be padding, which the server refuses (answers/grading.ts answerIssues).
      return fc.record({ blanks: fc.array(text(40), { minLength: question.blankCount ?? 1, maxLength: question.blankCount ?? 1 }) });
    case "short_answer":
      return fc.record({ text: fc.oneof(fc.constantFrom("MongoDB", "Atlas"), text(2_000)) });
    case "matching":
      // Each left item at most once, as the server requires; the right ones may repeat or be made up (graded wrong).
      return fc
        .shuffledSubarray(question.left ?? ["x"], { minLength: 1 })
        .chain((lefts) => fc.tuple(...lefts.map((left) => fc.record({ left: fc.constant(left), right: label(question.right ?? []) }))))
        .map((pairs) => ({ pairs }));
    case "ordering":
      // A permutation of the options (anything else is refused), in any order: right or wrong.
      return fc.record({ order: fc.shuffledSubarray(optionIds, { minLength: optionIds.length }) });
    case "numeric":
      return fc.record({ value: fc.oneof(fc.constant(60), fc.double({ noNaN: true, noDefaultInfinity: true })) });
    default:
      return fc.oneof(fc.record({ text: text(2_000) }), fc.record({ mediaRef: text(100).filter((s) => s.length > 0) }));
  }
}

const demoQuestions = Object.entries(DEMO_QUESTIONS).map(([id, { question }]) => ({ id, question: question as DemoQuestion }));
const submitAnswer = fc
  .oneof(
    { weight: 5, arbitrary: fc.constantFrom(...demoQuestions).chain(({ id, question }) => fc.tuple(fc.constant(id), answerFor(question))) },
    { weight: 1, arbitrary: fc.tuple(anyId, fc.oneof(...demoQuestions.map(({ question }) => answerFor(question)))) },
  )
  .chain(([questionId, answer]) =>
    fc
      .record(
        {
          questionId: fc.constant(questionId),
          attemptId: anyId,
          answer: fc.constant(answer),
          timeSpentMs: fc.oneof(fc.integer({ min: 0, max: 600_000 }), fc.integer({ min: 0, max: 86_400_000 })),
          // Seldom: an unknown quiz is NOT_FOUND, and the demo quiz's later phases are closed, so mostly none.
          quizId: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.oneof(anyId, fc.constant("demo-quiz")) }),
        },
        { requiredKeys: ["questionId", "attemptId", "answer", "timeSpentMs", "quizId"] },
      )
      .map(dropUndefined),
  );

/** Essay answers the fuzz stack seeds as waiting for a review (stack.ts), so that reviewAnswer has some to grade. */
export const FUZZ_PENDING_ANSWERS = ["fuzz-pending-0", "fuzz-pending-1", "fuzz-pending-2"] as const;

const SINKS = ["bigquery", "mongo", "cosmos"] as const;
const EXPORT_SECTIONS = ["profile", "progress", "activities", "answers", "competencies", "quizProgress", "activityDays"] as const;
const ANALYTICS_REPORTS = ["daily_active", "watch_time", "lecture_funnel", "dropoff", "item_analysis", "competency_trend"] as const;
const MIRRORED = ["users", "progress", "activityDays", "competencies", "activities", "answers", "quizProgress", "reviews"] as const;
const empty = fc.constant<Payload>({});

/** Valid payloads by callable name. Admin operations get small limits: the fuzzer calls them thousands of times. */
export const CONTRACTS: Record<string, fc.Arbitrary<Payload>> = {
  saveProgress,
  completeLecture: fc.record({ courseId, lectureId }),
  getProgress: fc.record({ courseId }),
  getCourseProgress: empty,
  recordActivity,
  getHeatmap: fc.record({ days: fc.integer({ min: 1, max: 366 }) }, { requiredKeys: [] }),
  getStudentStats: empty,
  submitAnswer,
  updateProfile: fc
    .record(
      { timezone: fc.constantFrom("UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"), displayName: fc.string({ minLength: 1, maxLength: 80 }), locale: fc.constantFrom("en", "de-CH", "pt-BR") },
      { requiredKeys: ["timezone"] },
    )
    .map(dropUndefined),
  getProfile: empty,
  startAttempt: fc.record({ questionId: fc.constantFrom(...demoQuestions.map(({ id }) => id)), attemptId: anyId, quizId: fc.constant("demo-quiz") }, { requiredKeys: ["questionId", "attemptId"] }).map(dropUndefined),
  getQuizProgress: fc.record({ quizId: fc.oneof(fc.constant("demo-quiz"), anyId) }),
  listPendingReviews: fc.record({ limit: fc.integer({ min: 1, max: 100 }), questionType: fc.constantFrom("essay", "speaking", "audio") }, { requiredKeys: [] }).map(dropUndefined),
  reviewAnswer: fc.record({
    answerId: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...FUZZ_PENDING_ANSWERS) }, { weight: 1, arbitrary: anyId }),
    score: fc.integer({ min: 0, max: 5 }),
    feedback: fc.string({ minLength: 1, maxLength: 200 }),
  }),
  getSyncStatus: empty,
  flushNow: fc.record({ maxKeys: fc.integer({ min: 1, max: 1_000_000 }) }, { requiredKeys: [] }),
  replayDeadLetters: fc.record({ sink: fc.constantFrom(...SINKS), limit: fc.integer({ min: 1, max: 20 }) }, { requiredKeys: ["limit"] }),
  replayQuarantine: fc.record({ limit: fc.integer({ min: 1, max: 20 }) }, { requiredKeys: [] }),
  reconcile: fc.record(
    { collection: fc.constantFrom(...MIRRORED), sink: fc.constantFrom(...SINKS), repair: fc.boolean(), limit: fc.integer({ min: 1, max: 20 }) },
    { requiredKeys: ["collection", "sink", "limit"] },
  ),
  exportMyData: fc.record({ section: fc.constantFrom(...EXPORT_SECTIONS) }),
  deleteUserData: fc.record({ uid: anyId }),
  deleteMyData: fc.constant({ confirm: "DELETE" }),
  getErasure: fc.record({ requestId: anyId }),
  getAnalytics: fc
    .record({ report: fc.constantFrom(...ANALYTICS_REPORTS), courseId: fc.constant(DEMO_COURSE_ID), from: fc.integer({ min: 0, max: 400 }), days: fc.integer({ min: 0, max: 30 }), limit: fc.integer({ min: 1, max: 1_000 }) }, { requiredKeys: ["report", "from", "days"] })
    .map(({ from, days, ...rest }) => dropUndefined({ ...rest, from: dayBefore(from + days), to: dayBefore(from) })),
};

/** The UTC date `days` days before today. */
const dayBefore = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

/** For a callable without a contract here: small JSON objects (mutations do the rest). */
export const genericPayload: fc.Arbitrary<Payload> = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<WireValue>, {
  maxKeys: 4,
});

function dropUndefined<T extends object>(record: T): Payload {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Payload;
}
