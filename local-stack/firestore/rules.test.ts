import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseRules, restFieldsToRules, type DocumentLookup, type RulesAuth, type RulesMethod, type RulesRequest, type RulesValue } from "./rules.ts";

const projectRules = parseRules(readFileSync(new URL("../../firestore.rules", import.meta.url), "utf8"));
const noDocuments: DocumentLookup = () => null;
const signedIn = (uid: string, token: Record<string, unknown> = {}): RulesAuth => ({ uid, token: { sub: uid, ...token } });

const allows = (request: Partial<RulesRequest> & Pick<RulesRequest, "method" | "path">, lookup = noDocuments) =>
  projectRules.allows({ auth: null, ...request }, lookup);

/** A ruleset whose one statement allows reading any document when `condition` holds. */
const readIf = (condition: string) =>
  parseRules(`rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /{document=**} {
      allow read: if ${condition};
    }
  }
}`);

describe("the project's firestore.rules", () => {
  const alice = signedIn("alice");

  it("when the owner reads their profile and what is under it, then it is allowed", () => {
    expect(allows({ method: "get", path: "users/alice", auth: alice, resource: { name: "Alice" } })).toBe(true);
    expect(allows({ method: "get", path: "users/alice/progress/c1", auth: alice, resource: { percent: 40 } })).toBe(true);
    expect(allows({ method: "list", path: "users/alice/progress", auth: alice })).toBe(true);
  });

  it("when another user or no one reads a profile, then it is refused", () => {
    expect(allows({ method: "get", path: "users/alice", auth: signedIn("bob"), resource: {} })).toBe(false);
    expect(allows({ method: "get", path: "users/alice/progress/c1", auth: signedIn("bob"), resource: {} })).toBe(false);
    expect(allows({ method: "get", path: "users/alice", auth: null, resource: {} })).toBe(false);
    expect(allows({ method: "list", path: "users", auth: alice })).toBe(false);
  });

  it.each(["activities", "answers", "reviews"])("when a user gets a %s document, then it is allowed only if its uid field is theirs", (collection) => {
    const path = `${collection}/d1`;
    expect(allows({ method: "get", path, auth: alice, resource: { uid: "alice" } })).toBe(true);
    expect(allows({ method: "get", path, auth: alice, resource: { uid: "bob" } })).toBe(false);
    expect(allows({ method: "get", path, auth: alice, resource: null })).toBe(false);
    expect(allows({ method: "get", path, auth: null, resource: { uid: "alice" } })).toBe(false);
  });

  it.each(["activities", "answers", "reviews"])("when a user queries %s, then only a query pinned to their own uid is allowed", (collection) => {
    expect(allows({ method: "list", path: collection, auth: alice, equalities: { uid: "alice" } })).toBe(true);
    expect(allows({ method: "list", path: collection, auth: alice, equalities: { uid: "alice", day: "2024-05-01" } })).toBe(true);
    expect(allows({ method: "list", path: collection, auth: alice, equalities: {} })).toBe(false);
    expect(allows({ method: "list", path: collection, auth: alice, equalities: { day: "2024-05-01" } })).toBe(false);
    expect(allows({ method: "list", path: collection, auth: alice, equalities: { uid: "bob" } })).toBe(false);
  });

  it.each(["courses/c1", "courses/c1/lectures/l1", "questions/q1", "quizzes/z1"])("when %s is read, then any signed-in user may and no one signed out", (path) => {
    const collection = path.slice(0, path.lastIndexOf("/"));
    expect(allows({ method: "get", path, auth: alice, resource: { title: "t" } })).toBe(true);
    expect(allows({ method: "list", path: collection, auth: alice })).toBe(true);
    expect(allows({ method: "get", path, auth: null, resource: { title: "t" } })).toBe(false);
    expect(allows({ method: "list", path: collection, auth: null })).toBe(false);
  });

  it.each(["questionKeys/q1", "_sync/status", "_sync/deadLetters/items/e1"])("when %s is read, then it is refused even to an owner or an admin", (path) => {
    const admin = signedIn("alice", { admin: true, role: "teacher" });
    expect(allows({ method: "get", path, auth: admin, resource: { uid: "alice" } })).toBe(false);
    expect(allows({ method: "list", path: path.slice(0, path.lastIndexOf("/")), auth: admin, equalities: { uid: "alice" } })).toBe(false);
  });

  it("when a collection no rule names is read, then it is refused", () => {
    expect(allows({ method: "get", path: "secrets/s1", auth: alice, resource: { uid: "alice" } })).toBe(false);
    expect(allows({ method: "list", path: "secrets", auth: alice, equalities: { uid: "alice" } })).toBe(false);
  });

  it.each(["users/alice", "users/alice/progress/c1", "activities/a1", "courses/c1", "questions/q1", "questionKeys/q1", "_sync/s"])(
    "when the owner writes %s, then every write method is refused",
    (path) => {
      const data = { uid: "alice" };
      const writes: [RulesMethod, Partial<RulesRequest>][] = [
        ["create", { resource: null, requestResource: data }],
        ["update", { resource: data, requestResource: { ...data, n: 1 } }],
        ["delete", { resource: data }],
      ];
      for (const [method, rest] of writes) expect(allows({ method, path, auth: alice, ...rest }), method).toBe(false);
    },
  );
});

describe("the rules language", () => {
  const alice = signedIn("alice");
  const data = { uid: "alice", n: 2, tags: ["a", "b"], nested: { k: 1 }, at: new Date("2024-05-01T00:00:00Z") };
  const getItem = (rules: ReturnType<typeof parseRules>, more: Partial<RulesRequest> = {}, lookup = noDocuments) =>
    rules.allows({ method: "get", path: "items/i1", auth: alice, resource: data, ...more }, lookup);

  it.each([
    "1 + 2 * 3 == 7 && (1 + 2) * 3 == 9",
    "7 % 4 == 3 && 7 / 2 == 3 && 7.0 / 2.5 == 2.8",
    "-resource.data.n == -2 && !false",
    `'ab' + "c" == 'abc' && 'it\\'s' == "it's" && '\\u0041\\n' == "A\\n"`,
    "[1, 2] + [3] == [1, 2, 3] && [1, 2] != [2, 1]",
    "'b' > 'a' && 1 < 1.5 && 2 <= 2 && 3 >= 2 && resource.data.at < request.time",
    "2 in [1, 2] && !(3 in [1, 2]) && 'uid' in resource.data && !('missing' in resource.data)",
    "resource.data.uid is string && resource.data.n is int && resource.data.n is number && 1.5 is float && resource.data.tags is list",
    "resource.data is map && resource.data.at is timestamp && null is null && true is bool && !(resource.data.n is string)",
    "resource.data.tags.hasAll(['a']) && resource.data.tags.hasAny(['z', 'b']) && resource.data.tags.hasOnly(['b', 'a', 'c'])",
    "!resource.data.tags.hasAll(['a', 'z']) && !resource.data.tags.hasOnly(['a'])",
    "resource.data.keys().hasAll(['uid', 'n']) && resource.data.size() == 5 && resource.data.nested.values() == [1]",
    "resource.data.get('missing', 'fallback') == 'fallback' && resource.data.get(['nested', 'k'], 0) == 1",
    "resource.data.uid.matches('al.*') && !resource.data.uid.matches('l') && resource.data.uid.size() == 5",
    "(resource.data.n > 1 ? 'big' : 'small') == 'big' && (false ? 1 : 2) == 2",
    "{'a': 1}.a == 1 && {'a': [10, 20]}['a'][1] == 20 && resource.data['nested']['k'] == 1",
    "resource.id == 'i1' && resource.__name__ == /databases/$(database)/documents/items/$(resource.id)",
    "request.method == 'get' && request.auth.uid == 'alice' && request.auth.token.sub == 'alice'",
    "document == /items/i1 && request.path[4] == 'i1'",
    // An error is not false: `false && error` is false, and `error || true` is true, as in Firestore.
    "!(false && resource.data.missing == 1) && (resource.data.missing == 1 || true)",
  ])("when a condition reads `%s`, then it holds", (condition) => {
    expect(getItem(readIf(condition))).toBe(true);
  });

  it.each([
    ["a missing field", "resource.data.missing == 1"],
    ["the negation of an error", "!(resource.data.missing == 1)"],
    ["an error && true", "resource.data.missing == 1 && true"],
    ["a field the request lacks", "request.resource.data.uid == 'alice'"],
    ["a comparison across types", "'a' < 1"],
    ["an unknown function", "isTeacher()"],
    ["an unknown variable", "teacher == true"],
    ["an integer division by zero", "1 / 0 == 0"],
    ["a method the type lacks", "resource.data.n.size() == 1"],
    ["a function called with the wrong arity", "resource.data.tags.hasAll() || resource.data.tags.size(1) == 2"],
    ["a non-boolean result", "resource.data.n"],
    ["an unsupported type", "resource.data.n is duration"],
  ])("when a condition fails on %s, then it denies", (_, condition) => {
    expect(getItem(readIf(condition))).toBe(false);
  });

  it("when a get reads a missing document's field, then the error denies instead of throwing", () => {
    const rules = readIf("resource.data.uid == request.auth.uid");
    expect(getItem(rules, { resource: null })).toBe(false);
    expect(getItem(rules)).toBe(true);
  });

  it("when a recursive wildcard ends a path under rules_version 2, then it matches zero or more segments", () => {
    const rules = (version: string) =>
      parseRules(`rules_version = '${version}';
        service cloud.firestore { match /databases/{database}/documents {
          match /{prefix=**}/posts/{post} { allow read: if post == 'p1'; }
          match /archive/{rest=**} { allow read: if rest == /a/b; }
        } }`);
    const get = (version: string, path: string) => rules(version).allows({ method: "get", path, auth: null }, noDocuments);
    expect(get("2", "posts/p1")).toBe(true);
    expect(get("2", "users/u1/posts/p1")).toBe(true);
    expect(get("2", "users/u1/posts/p2")).toBe(false);
    expect(get("2", "archive/a/b")).toBe(true);
    // rules_version 1: one or more segments.
    expect(get("1", "posts/p1")).toBe(false);
    expect(get("1", "users/u1/posts/p1")).toBe(true);
  });

  it("when a function takes arguments and lets, then it sees them and the wildcards of its own scope", () => {
    const rules = parseRules(`rules_version = '2';
      service cloud.firestore {
        function signedIn() { return request.auth != null; }
        match /databases/{database}/documents {
          match /users/{uid}/notes/{noteId} {
            function isOwner(owner, suffix) {
              let id = owner + suffix;
              return signedIn() && request.auth.uid == id;
            }
            function visible() { return noteId != 'private'; }
            allow get: if isOwner(uid, '') && visible();
            allow list: if isOwner(uid, '-admin');
          }
        }
      }`);
    const get = (path: string, auth: RulesAuth | null) => rules.allows({ method: "get", path, auth, resource: {} }, noDocuments);
    expect(get("users/alice/notes/n1", alice)).toBe(true);
    expect(get("users/alice/notes/private", alice)).toBe(false);
    expect(get("users/alice/notes/n1", signedIn("bob"))).toBe(false);
    expect(get("users/alice/notes/n1", null)).toBe(false);
    expect(rules.allows({ method: "list", path: "users/alice/notes", auth: signedIn("alice-admin") }, noDocuments)).toBe(true);
  });

  it("when a condition calls get() and exists(), then they read other documents through the lookup", () => {
    const rules = readIf(
      "get(/databases/$(database)/documents/users/$(request.auth.uid)).data.role == 'teacher' && exists(/databases/$(database)/documents/courses/$(resource.data.course))",
    );
    const store: Record<string, Record<string, RulesValue>> = { "users/alice": { role: "teacher" }, "users/bob": { role: "student" }, "courses/c1": {} };
    const read: string[] = [];
    const lookup: DocumentLookup = (path) => {
      read.push(path);
      return store[path] ?? null;
    };
    expect(getItem(rules, { resource: { course: "c1" } }, lookup)).toBe(true);
    expect(read).toEqual(["users/alice", "courses/c1"]);
    expect(getItem(rules, { resource: { course: "c2" } }, lookup)).toBe(false);
    expect(getItem(rules, { auth: signedIn("bob"), resource: { course: "c1" } }, lookup)).toBe(false);
    // get() of a missing document is null, so its .data is an error: deny.
    expect(getItem(rules, { auth: signedIn("carol"), resource: { course: "c1" } }, lookup)).toBe(false);
  });

  it("when two matches cover a path, then either one's allow is enough", () => {
    const rules = parseRules(`rules_version = '2';
      service cloud.firestore { match /databases/{database}/documents {
        match /items/{id} { allow read: if resource.data.public == true; }
        match /{document=**} { allow get: if request.auth.token.admin == true; }
        match /items/{id} { allow write; }
      } }`);
    const request = (auth: RulesAuth, resource: Record<string, RulesValue>, method: RulesMethod = "get") =>
      rules.allows({ method, path: "items/i1", auth, resource, requestResource: resource }, noDocuments);
    expect(request(alice, { public: true })).toBe(true);
    expect(request(signedIn("root", { admin: true }), { public: false })).toBe(true);
    expect(request(alice, { public: false })).toBe(false);
    expect(request(alice, { public: false }, "update")).toBe(true);
  });

  it("when a query is judged, then unpinned fields are unknown and only a definite true allows (Kleene logic)", () => {
    const list = (condition: string, auth: RulesAuth, equalities: Record<string, RulesValue> = {}) =>
      readIf(condition).allows({ method: "list", path: "items", auth, equalities }, noDocuments);
    const ownOrAdmin = "resource.data.uid == request.auth.uid || request.auth.token.admin == true";
    expect(list(ownOrAdmin, signedIn("root", { admin: true }))).toBe(true);
    expect(list(ownOrAdmin, alice)).toBe(false);
    expect(list(ownOrAdmin, alice, { uid: "alice" })).toBe(true);
    // false && unknown is false, so its negation is known true; unknown || false stays unknown.
    expect(list("!(resource.data.n == 1 && false)", alice)).toBe(true);
    expect(list("!(resource.data.n == 1 || false)", alice)).toBe(false);
    expect(list("resource.data.n == 1 ? true : true", alice)).toBe(true);
    expect(list("resource.data.n == 1 ? true : false", alice)).toBe(false);
    expect(list("resource.data.get('n', 0) == 1 && 'n' in resource.data", alice, { n: 1 })).toBe(true);
    expect(list("resource.data.get('n', 0) == 0", alice)).toBe(false);
    expect(list("resource.data.a.b == 1", alice, { "a.b": 1 })).toBe(true);
    expect(list("resource.data.size() > 0", alice, { n: 1 })).toBe(false);
    expect(list("resource != null", alice)).toBe(false);
    expect(list("document == 'x'", alice)).toBe(false);
  });

  it("when the rules have a syntax error, then parsing throws with its line and column", () => {
    const source = `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /items/{id} { allow read: if request.auth != null &&; }
  }
}`;
    expect(() => parseRules(source)).toThrow("rules syntax error at 4:63: unexpected ';'");
    expect(() => parseRules(source.replace("allow read", "allow peek"))).toThrow(/at 4:31: unknown method 'peek'/);
    expect(() => parseRules(source.replace("request.auth != null &&", "'unterminated"))).toThrow(/at 4:40: unterminated string/);
    expect(() => parseRules(source.replace("request.auth != null &&", "x is strng"))).toThrow(/at 4:45: unknown type 'strng'/);
    expect(() => parseRules(source.replace("cloud.firestore", "firebase.storage"))).toThrow(/at 2:26: expected service cloud.firestore/);
  });
});

describe("restFieldsToRules", () => {
  it("when stored proto3 JSON fields are converted, then each becomes the plain value the rules see", () => {
    const converted = restFieldsToRules({
      n: { integerValue: "42" },
      x: { doubleValue: 1.5 },
      s: { stringValue: "hi" },
      b: { booleanValue: true },
      z: { nullValue: null },
      at: { timestampValue: "2024-05-01T12:00:00.123456Z" },
      list: { arrayValue: { values: [{ integerValue: "1" }, { stringValue: "two" }] } },
      map: { mapValue: { fields: { inner: { mapValue: { fields: { k: { booleanValue: false } } } } } } },
      geo: { geoPointValue: { latitude: 1, longitude: 2 } },
    });
    expect(converted).toEqual({
      n: 42,
      x: 1.5,
      s: "hi",
      b: true,
      z: null,
      at: new Date("2024-05-01T12:00:00.123Z"),
      list: [1, "two"],
      map: { inner: { k: false } },
      geo: { latitude: 1, longitude: 2 },
    });
    const rules = readIf("resource.data.n is int && resource.data.at is timestamp && resource.data.map.inner.k == false");
    expect(rules.allows({ method: "get", path: "items/i1", auth: null, resource: converted }, noDocuments)).toBe(true);
  });
});
