/**
 * A small reader of firestore.rules for the static checks: match blocks, their paths and their allow statements,
 * and which of them apply to a document path. It reads the subset LearnPulse's rules use and throws on anything
 * else (a `function`, a recursive wildcard with children), so the checks never pass by misreading the file.
 * There is no official parser on npm; the official emulator lane (npm run test:rules) evaluates the real thing.
 */

/** The request methods a rule can name; `read` and `write` are shorthands for groups of them. */
export const METHODS = ["get", "list", "create", "update", "delete"] as const;
export type Method = (typeof METHODS)[number];
export const READ_METHODS: readonly Method[] = ["get", "list"];
export const WRITE_METHODS: readonly Method[] = ["create", "update", "delete"];

const SHORTHANDS: Record<string, readonly Method[]> = { read: READ_METHODS, write: WRITE_METHODS };

export interface Allow {
  methods: Method[];
  /** The condition with whitespace folded; `true` when the statement has none (`allow read;`). */
  condition: string;
}

export interface MatchBlock {
  /** Segments below `/databases/{database}/documents`, the ancestors' included: `["users", "{uid}"]`. */
  path: string[];
  allows: Allow[];
}

/** Every match block under `/databases/{database}/documents`, flattened, in file order. */
export function parseRules(text: string): MatchBlock[] {
  const reader = new Reader(stripComments(text));
  reader.skipHeader();
  reader.expectWord("service");
  reader.expectWord("cloud.firestore");
  reader.expect("{");
  reader.expectWord("match");
  if (reader.path().join("/") !== "databases/{database}/documents") throw new Error("the root match must be /databases/{database}/documents");
  const blocks: MatchBlock[] = [];
  reader.expect("{");
  reader.body([], blocks);
  reader.expect("}");
  reader.expect("}");
  reader.end();
  return blocks;
}

/** Whether a block's pattern matches a concrete document path (`{x}` one segment, `{x=**}` zero or more). */
export function matches(pattern: readonly string[], path: readonly string[]): boolean {
  for (const [index, segment] of pattern.entries()) {
    if (/^\{\w+=\*\*\}$/.test(segment)) return index === pattern.length - 1;
    const part = path[index];
    if (part === undefined) return false;
    if (!/^\{\w+\}$/.test(segment) && segment !== part) return false;
  }
  return pattern.length === path.length;
}

/** The conditions under which a method is allowed on a path: rules OR every matching block's statements. */
export function conditionsFor(blocks: readonly MatchBlock[], path: readonly string[], method: Method): string[] {
  return blocks.filter((block) => matches(block.path, path)).flatMap((block) => block.allows.filter((allow) => allow.methods.includes(method)).map((allow) => allow.condition));
}

function stripComments(text: string): string {
  // Rules strings hold no `//` in this file's subset (paths are not strings), so a line comment ends the line.
  return text.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/[^\n]*/g, "");
}

class Reader {
  private at = 0;
  constructor(private readonly text: string) {}

  skipHeader(): void {
    this.skipSpace();
    const header = /^rules_version\s*=\s*['"]2['"]\s*;/.exec(this.text.slice(this.at));
    if (!header) throw new Error("firestore.rules must start with rules_version = '2'; (recursive wildcards mean zero or more segments only in v2)");
    this.at += header[0].length;
  }

  body(parent: string[], into: MatchBlock[]): void {
    const block: MatchBlock = { path: parent, allows: [] };
    if (parent.length > 0) into.push(block);
    for (;;) {
      this.skipSpace();
      if (this.peek() === "}" || this.at >= this.text.length) return;
      const word = this.word();
      if (word === "allow") block.allows.push(this.allow());
      else if (word === "match") {
        if (parent.some((segment) => segment.endsWith("=**}"))) throw new Error(`a match inside ${parent.join("/")}: a recursive wildcard must end its path here`);
        const path = [...parent, ...this.path()];
        this.expect("{");
        this.body(path, into);
        this.expect("}");
      } else throw new Error(`the static rules check does not read \`${word}\` (at ${this.at}); extend functions/test/rules/rules-model.ts`);
    }
  }

  path(): string[] {
    this.skipSpace();
    const path = /^\/\S*/.exec(this.text.slice(this.at))?.[0];
    if (!path) throw new Error(`a match path starting with / expected at ${this.at}`);
    this.at += path.length;
    return path.slice(1).split("/");
  }

  allow(): Allow {
    const rest = this.text.slice(this.at);
    const statement = /^\s*([a-z,\s]+?)\s*(?::\s*if\b([^;]*))?;/.exec(rest);
    if (!statement?.[1]) throw new Error(`an allow statement expected at ${this.at}`);
    this.at += statement[0].length;
    const methods = statement[1].split(",").flatMap((name) => {
      const trimmed = name.trim();
      const group = SHORTHANDS[trimmed] ?? METHODS.filter((method) => method === trimmed);
      if (group.length === 0) throw new Error(`unknown method \`${trimmed}\` in an allow statement`);
      return group;
    });
    return { methods: [...new Set(methods)], condition: (statement[2] ?? "true").replace(/\s+/g, " ").trim() };
  }

  expect(token: string): void {
    this.skipSpace();
    if (!this.text.startsWith(token, this.at)) throw new Error(`\`${token}\` expected at ${this.at}`);
    this.at += token.length;
  }

  expectWord(word: string): void {
    const found = this.word();
    if (found !== word) throw new Error(`\`${word}\` expected at ${this.at}, found \`${found}\``);
  }

  end(): void {
    this.skipSpace();
    if (this.at < this.text.length) throw new Error(`unexpected text at ${this.at}: ${this.text.slice(this.at, this.at + 40)}`);
  }

  private word(): string {
    this.skipSpace();
    const word = /^[A-Za-z_][\w.]*/.exec(this.text.slice(this.at))?.[0];
    if (!word) throw new Error(`a keyword expected at ${this.at}: ${this.text.slice(this.at, this.at + 40)}`);
    this.at += word.length;
    return word;
  }

  private peek(): string | undefined {
    return this.text[this.at];
  }

  private skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at] ?? "")) this.at++;
  }
}
