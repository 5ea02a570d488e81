/**
 * firestore.rules, read statically (no emulator): every path the product code names has a match block that denies
 * client writes, server-only data denies reads, user data is read only by its owner. The weakened copies below
 * prove that the check notices. The official emulator evaluates the same rules in npm run test:rules.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEMO_QUESTIONS } from "@learnpulse/local-stack";
import { QuestionDoc, QuestionKey } from "../../src/schemas/answers.ts";
import { MIRRORED_DOCUMENTS } from "../../src/sync/collections.ts";
import { firestorePathsIn } from "./code-paths.ts";
import { ruleProblems } from "./rules-check.ts";
import { conditionsFor, parseRules } from "./rules-model.ts";

const RULES = readFileSync(fileURLToPath(new URL("../../../firestore.rules", import.meta.url)), "utf8");
const CODE_PATHS = firestorePathsIn(fileURLToPath(new URL("../../src", import.meta.url)));

describe("firestore.rules", () => {
  it("when functions/src is scanned, then it finds every mirrored collection, the catalogue and the server-only data", () => {
    const mirrored = Object.values(MIRRORED_DOCUMENTS).map((pattern) => pattern.replace(/\{\w+\}/g, "*"));
    const others = ["courses/*", "courses/*/lectures/*", "questions/*", "quizzes/*", "questionKeys/*", "_sync/sinks/shards/*", "_sync/deadLetters/items/*"];

    expect(CODE_PATHS).toEqual(expect.arrayContaining([...mirrored, ...others]));
  });

  it("when the rules are checked against every path the code names, then no problem is found", () => {
    expect(ruleProblems(RULES, CODE_PATHS)).toEqual([]);
  });

  it("when a client writes any path the code names, then every rule that matches it says false", () => {
    const blocks = parseRules(RULES);
    for (const path of CODE_PATHS) {
      const segments = path.split("/");
      for (const method of ["create", "update", "delete"] as const) {
        expect(conditionsFor(blocks, segments, method).filter((condition) => condition !== "false"), `${method} ${path}`).toEqual([]);
      }
    }
  });

  it("when questionKeys or _sync are read, then every rule that matches them says false", () => {
    const blocks = parseRules(RULES);
    const serverOnly = CODE_PATHS.filter((path) => path.startsWith("questionKeys/") || path.startsWith("_sync/"));
    expect(serverOnly.length).toBeGreaterThanOrEqual(5);
    for (const path of serverOnly) {
      for (const method of ["get", "list"] as const) {
        expect(conditionsFor(blocks, path.split("/"), method), `${method} ${path}`).toEqual(expect.arrayContaining(["false"]));
        expect(conditionsFor(blocks, path.split("/"), method).filter((condition) => condition !== "false"), `${method} ${path}`).toEqual([]);
      }
    }
  });

  it("when firebase.json is read, then it deploys these rules", () => {
    const config = JSON.parse(readFileSync(fileURLToPath(new URL("../../../firebase.json", import.meta.url)), "utf8")) as { firestore?: { rules?: string } };

    expect(config.firestore?.rules).toBe("firestore.rules");
  });

  it("when the demo catalogue is seeded, then public questions carry no answer-key field", () => {
    const keyFields = new Set(QuestionKey.options.flatMap((option) => Object.keys(option.shape)).filter((field) => field !== "type"));

    expect([...keyFields]).toContain("correct");
    expect(Object.keys(QuestionDoc.shape).filter((field) => keyFields.has(field))).toEqual([]);
    for (const [id, { question }] of Object.entries(DEMO_QUESTIONS)) {
      expect(Object.keys(question).filter((field) => keyFields.has(field)), id).toEqual([]);
    }
  });
});

/** Each weakening of the rules, and the words the check must answer it with. */
const WEAKENED: { name: string; from: string | RegExp; to: string; problem: string }[] = [
  {
    name: "a client may create answers",
    from: "match /answers/{answerId} {",
    to: "match /answers/{answerId} {\n      allow create: if request.auth != null;",
    problem: "match /answers/{answerId} allows a client create",
  },
  {
    name: "the default allows writes",
    from: /match \/\{document=\*\*\} \{\s*allow read, write: if false;/,
    to: "match /{document=**} {\n      allow read: if false;\n      allow write: if request.auth != null;",
    problem: "match /{document=**} allows a client create/update/delete",
  },
  {
    name: "any signed-in user reads answer keys",
    from: /match \/questionKeys\/\{questionId\} \{\s*allow read, write: if false;/,
    to: "match /questionKeys/{questionId} {\n      allow read: if request.auth != null;",
    problem: "match /questionKeys/{questionId} allows a read",
  },
  {
    name: "_sync is readable",
    from: /match \/_sync\/\{document=\*\*\} \{\s*allow read, write: if false;/,
    to: "match /_sync/{document=**} {\n      allow get: if request.auth.token.admin == true;",
    problem: "match /_sync/{document=**} allows a read",
  },
  {
    name: "activities are read without the uid test",
    from: /match \/activities\/\{activityId\} \{\s*allow read: if request\.auth != null && resource\.data\.uid == request\.auth\.uid;/,
    to: "match /activities/{activityId} {\n      allow read: if request.auth != null;",
    problem: "match /activities/{activityId} allows a read (`request.auth != null`) without `resource.data.uid == request.auth.uid`",
  },
  {
    name: "a user's subcollections are read by anyone signed in",
    from: /match \/\{document=\*\*\} \{\s*allow read: if request\.auth != null && request\.auth\.uid == uid;/,
    to: "match /{document=**} {\n        allow read: if request.auth != null && request.auth.uid == uidOfAnyone;",
    problem: "match /users/{uid}/{document=**} allows a read",
  },
  {
    name: "the owner test has an escape",
    from: "allow read: if request.auth != null && request.auth.uid == uid;",
    to: "allow read: if request.auth != null && request.auth.uid == uid || request.auth.token.admin == true;",
    problem: "match /users/{uid} allows a read on an alternative",
  },
  {
    name: "questions are public to anyone",
    from: /match \/questions\/\{questionId\} \{\s*allow read: if request\.auth != null;/,
    to: "match /questions/{questionId} {\n      allow read;",
    problem: "match /questions/{questionId} reads for anyone",
  },
  {
    name: "a new collection opens to signed-in users",
    from: "match /reviews/{reviewId} {",
    to: "match /notes/{noteId} {\n      allow read: if request.auth != null;\n    }\n\n    match /reviews/{reviewId} {",
    problem: "match /notes/{noteId} allows a read",
  },
  {
    name: "a collection the code writes loses its block",
    from: /match \/questionKeys\/\{questionId\} \{\s*allow read, write: if false;\s*\}/,
    to: "",
    problem: "questionKeys/* has no match block of its own",
  },
  {
    name: "the catalogue is no longer readable",
    from: /match \/lectures\/\{lectureId\} \{\s*allow read: if request\.auth != null;/,
    to: "match /lectures/{lectureId} {\n        allow read: if false;",
    problem: "courses/*/lectures/* should be readable",
  },
];

describe("the static rules check", () => {
  it.each(WEAKENED)("when $name, then the check says so", ({ from, to, problem }) => {
    const weakened = RULES.replace(from, to);
    expect(weakened).not.toBe(RULES);

    expect(ruleProblems(weakened, CODE_PATHS).join("\n")).toContain(problem);
  });

  it("when the rules use a construct the check does not read, then it refuses them rather than guess", () => {
    const withFunction = RULES.replace("match /users/{uid} {", "function isOwner(uid) { return request.auth.uid == uid; }\n    match /users/{uid} {");

    expect(() => ruleProblems(withFunction, CODE_PATHS)).toThrow(/does not read `function`/);
  });
});
