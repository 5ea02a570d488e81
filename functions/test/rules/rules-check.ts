/**
 * The access policy of DESIGN.md ("clients read their own documents; only functions write"), checked against
 * firestore.rules: which reads each kind of path may allow, that no write is allowed anywhere, and that every path
 * the code names has a match block of its own. Returns the problems found, one sentence each.
 */
import { ANY } from "./code-paths.ts";
import { type Allow, type MatchBlock, matches, parseRules, READ_METHODS, WRITE_METHODS } from "./rules-model.ts";

/**
 * Who may read a path: any signed-in user (the catalogue), its owner named in the path (`users/{uid}/**`), its
 * owner named by the document's `uid` field (activities, answers), or nobody (everything else).
 */
type ReadPolicy = "catalogue" | "ownerInPath" | "ownerField" | "nobody";

const SIGNED_IN = "request.auth != null";

function readPolicy(path: readonly string[]): ReadPolicy {
  const [collection, , sub] = path;
  if (collection === "users" && path.length >= 2) return "ownerInPath";
  if ((collection === "activities" || collection === "answers" || collection === "reviews") && path.length === 2) return "ownerField";
  if ((collection === "questions" || collection === "quizzes") && path.length === 2) return "catalogue";
  if (collection === "courses" && (path.length === 2 || (path.length === 4 && sub === "lectures"))) return "catalogue";
  return "nobody";
}

/** Why a read condition breaks the path's policy, or undefined when it keeps to it. */
function readProblem(policy: ReadPolicy, block: MatchBlock, condition: string): string | undefined {
  if (condition === "false") return undefined;
  if (condition === "true") return "reads for anyone (`if true`, or no condition)";
  if (policy === "nobody") return `allows a read (\`${condition}\`) where no client may read`;
  if (policy === "catalogue") return condition === SIGNED_IN ? undefined : `reads the catalogue on \`${condition}\` instead of \`${SIGNED_IN}\``;
  // An `||` could admit anyone beside the owner; the owner checks below must be the whole story.
  if (condition.includes("||")) return `allows a read on an alternative (\`${condition}\`)`;
  if (policy === "ownerField") {
    const owner = ["resource.data.uid == request.auth.uid", "request.auth.uid == resource.data.uid"];
    return owner.some((test) => conditionHas(condition, test)) ? undefined : `allows a read (\`${condition}\`) without \`resource.data.uid == request.auth.uid\``;
  }
  const uid = /^\{(\w+)\}$/.exec(block.path[1] ?? "")?.[1];
  const owner = [`request.auth.uid == ${uid}`, `${uid} == request.auth.uid`];
  return uid && owner.some((test) => conditionHas(condition, test)) ? undefined : `allows a read (\`${condition}\`) without \`request.auth.uid == ${uid ?? "{uid}"}\``;
}

/** Whether a condition contains a comparison as a whole term (`== uid` but not `== uidOfSomeoneElse`). */
function conditionHas(condition: string, term: string): boolean {
  return new RegExp(`(^|[^\\w.])${term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\w.])`).test(condition);
}

/** A concrete path a block's pattern matches: one id per `{x}`, nothing for a trailing `{x=**}`. */
function samplePath(pattern: readonly string[]): string[] {
  return pattern.filter((segment) => !segment.endsWith("=**}")).map((segment) => (segment.startsWith("{") ? `some-${segment.slice(1, -1)}` : segment));
}

function label(block: MatchBlock): string {
  return `match /${block.path.join("/")}`;
}

function allowProblems(block: MatchBlock, allow: Allow): string[] {
  const problems: string[] = [];
  const writes = allow.methods.filter((method) => WRITE_METHODS.includes(method));
  if (writes.length > 0 && allow.condition !== "false") problems.push(`${label(block)} allows a client ${writes.join("/")} (\`${allow.condition}\`)`);
  if (allow.methods.some((method) => READ_METHODS.includes(method))) {
    const problem = readProblem(readPolicy(samplePath(block.path)), block, allow.condition);
    if (problem) problems.push(`${label(block)} ${problem}`);
  }
  return problems;
}

/** Problems of the rules text against the policy and the document paths the code names (`users/*\/progress/*`). */
export function ruleProblems(rulesText: string, codePaths: readonly string[]): string[] {
  const blocks = parseRules(rulesText);
  const problems = blocks.flatMap((block) => block.allows.flatMap((allow) => allowProblems(block, allow)));
  for (const codePath of codePaths) {
    const path = codePath.split("/").map((segment) => (segment === ANY ? "some-id" : segment));
    const own = blocks.filter((block) => matches(block.path, path) && !block.path[0]?.startsWith("{"));
    if (own.length === 0) problems.push(`${codePath} has no match block of its own (only the default deny covers it)`);
    const policy = readPolicy(path);
    const readable = own.some((block) => block.allows.some((allow) => allow.methods.includes("get") && allow.condition !== "false"));
    if (policy !== "nobody" && !readable) problems.push(`${codePath} should be readable (${policy}) but no rule allows a get`);
  }
  return problems;
}
