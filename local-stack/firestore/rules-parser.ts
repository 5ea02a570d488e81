/**
 * The rules file's parser (rules.ts evaluates what it builds): a tokenizer and a recursive-descent parser into a
 * small AST of match blocks, allow statements, functions and expressions. A syntax error names its line and column.
 */
import type { RulesMethod, RulesValue } from "./rules.ts";

const READ: RulesMethod[] = ["get", "list"];
const WRITE: RulesMethod[] = ["create", "update", "delete"];
const METHOD_GROUPS: Record<string, RulesMethod[]> = { read: READ, write: WRITE, ...Object.fromEntries([...READ, ...WRITE].map((m): [string, RulesMethod[]] => [m, [m]])) };
/** Types the language has but this evaluator does not represent: `x is duration` parses, then denies. */
/** The types `x is T` checks (rules.ts TYPES). */
export const TYPE_NAMES = ["bool", "int", "float", "number", "string", "list", "map", "timestamp", "path", "null"];
export const UNSUPPORTED_TYPES = ["bytes", "constraint", "duration", "latlng", "set"];

export type Expr =
  | { k: "literal"; value: RulesValue }
  | { k: "name"; name: string }
  | { k: "list"; items: Expr[] }
  | { k: "map"; entries: [Expr, Expr][] }
  | { k: "member"; object: Expr; name: string }
  | { k: "index"; object: Expr; index: Expr }
  | { k: "call"; name: string; args: Expr[] }
  | { k: "method"; object: Expr; name: string; args: Expr[] }
  | { k: "unary"; op: string; operand: Expr }
  | { k: "binary"; op: string; left: Expr; right: Expr }
  | { k: "is"; operand: Expr; type: string }
  | { k: "cond"; cond: Expr; then: Expr; otherwise: Expr }
  /** Each segment is literal text and `$(expr)` parts, concatenated. */
  | { k: "path"; segments: (string | Expr)[][] };

export type Segment = { literal: string } | { wildcard: string; recursive: boolean };
/** `condition` is absent for `allow read;`. */
export interface Allow { methods: RulesMethod[]; condition?: Expr }
export interface FunctionDef { name: string; params: string[]; lets: [string, Expr][]; body: Expr }
export interface Block { allows: Allow[]; functions: FunctionDef[]; children: MatchBlock[] }
export interface MatchBlock extends Block { pattern: Segment[] }
interface Token { kind: "id" | "num" | "str" | "op" | "eof"; text: string; value?: string | number; pos: number }

// Two-character operators first, so "==" is not read as "=" "=".
const OPERATORS = ["&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "(", ")", "[", "]", "{", "}", ",", ".", ";", ":", "?", "="];
const BINARY_LEVELS = [["||"], ["&&"], ["==", "!=", "<", "<=", ">", ">=", "in", "is"], ["+", "-"], ["*", "/", "%"]];
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", "\\": "\\", "'": "'", '"': '"', "`": "`" };
const SPACE = /(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/y;
const IDENT = /[A-Za-z_]\w*/y;
const NUMBER = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /(['"])((?:(?!\1)[^\\\n]|\\.)*)\1/y;
const SEGMENT = /[\w\-.~%@]+/y;
const WILDCARD = /\{([A-Za-z_]\w*)(=\*\*)?\}/y;

export const own = <T>(table: Record<string, T>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

/**
 * A recursive-descent parser that tokenizes on demand, because a path (`match /users/{uid}`,
 * `/databases/$(database)/…`) is read from the raw text: `/`, `{` and `=` mean something else there.
 */
export class Parser {
  private pos = 0;
  private ahead: Token | undefined;
  private readonly src: string;

  constructor(src: string) {
    this.src = src;
  }

  file(): { version: string; service: Block } {
    let version = "1";
    if (this.accept("rules_version")) {
      this.expect("=");
      const t = this.next();
      version = t.kind === "str" ? String(t.value) : this.fail("expected a version string", t.pos);
      this.accept(";");
    }
    this.expect("service");
    const name = [this.ident()];
    while (this.accept(".")) name.push(this.ident());
    if (name.join(".") !== "cloud.firestore") this.fail("expected service cloud.firestore");
    const service = this.block(false);
    if (this.peek().kind !== "eof") this.fail(`unexpected '${this.peek().text}' after the service`);
    return { version, service };
  }

  private block(inMatch: boolean): Block {
    const block: Block = { allows: [], functions: [], children: [] };
    this.expect("{");
    while (!this.accept("}")) {
      if (this.accept("match")) block.children.push({ pattern: this.matchPath(), ...this.block(true) });
      else if (this.accept("function")) block.functions.push(this.functionDef());
      else if (inMatch && this.accept("allow")) block.allows.push(this.allow());
      else this.fail(`unexpected '${this.peek().text}'`);
    }
    return block;
  }

  private allow(): Allow {
    const methods: RulesMethod[] = [];
    do {
      const at = this.peek().pos;
      const name = this.ident();
      methods.push(...(own(METHOD_GROUPS, name) ?? this.fail(`unknown method '${name}'`, at)));
    } while (this.accept(","));
    let condition: Expr | undefined;
    if (this.accept(":")) {
      this.expect("if");
      condition = this.expression();
    }
    this.accept(";");
    return { methods, condition };
  }

  private functionDef(): FunctionDef {
    const name = this.ident();
    this.expect("(");
    const params = this.listOf(")", () => this.ident());
    this.expect("{");
    const lets: [string, Expr][] = [];
    while (this.accept("let")) {
      const variable = this.ident();
      this.expect("=");
      lets.push([variable, this.expression()]);
      this.expect(";");
    }
    this.expect("return");
    const body = this.expression();
    this.accept(";");
    this.expect("}");
    return { name, params, lets, body };
  }

  private matchPath(): Segment[] {
    this.sticky(SPACE);
    const pattern: Segment[] = [];
    while (this.src[this.pos] === "/") {
      this.pos++;
      const wildcard = this.sticky(WILDCARD);
      const literal = wildcard ? undefined : this.sticky(SEGMENT)?.[0];
      if (wildcard) pattern.push({ wildcard: wildcard[1] as string, recursive: wildcard[2] !== undefined });
      else pattern.push({ literal: literal ?? this.fail("expected a path segment", this.pos) });
    }
    return pattern.length ? pattern : this.fail("expected a path", this.pos);
  }

  private pathLiteral(start: number): Expr {
    this.pos = start;
    const segments: (string | Expr)[][] = [];
    while (this.src[this.pos] === "/") {
      this.pos++;
      const parts: (string | Expr)[] = [];
      for (;;) {
        const text = this.sticky(SEGMENT)?.[0];
        if (text) {
          parts.push(text);
        } else if (this.src.startsWith("$(", this.pos)) {
          this.pos += 2;
          parts.push(this.expression());
          this.expect(")");
        } else {
          break;
        }
      }
      segments.push(parts.length ? parts : this.fail("expected a path segment", this.pos));
    }
    return { k: "path", segments };
  }

  expression(): Expr {
    const cond = this.binary(0);
    if (!this.accept("?")) return cond;
    const then = this.expression();
    this.expect(":");
    return { k: "cond", cond, then, otherwise: this.expression() };
  }

  private binary(level: number): Expr {
    const ops = BINARY_LEVELS[level];
    if (!ops) return this.unary();
    let left = this.binary(level + 1);
    for (let t = this.peek(); (t.kind === "op" || t.kind === "id") && ops.includes(t.text); t = this.peek()) {
      this.next();
      if (t.text !== "is") {
        left = { k: "binary", op: t.text, left, right: this.binary(level + 1) };
        continue;
      }
      const at = this.peek().pos;
      const type = this.ident();
      if (!TYPE_NAMES.includes(type) && !UNSUPPORTED_TYPES.includes(type)) this.fail(`unknown type '${type}'`, at);
      left = { k: "is", operand: left, type };
    }
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind !== "op" || (t.text !== "!" && t.text !== "-")) return this.postfix(this.primary());
    this.next();
    return { k: "unary", op: t.text, operand: this.unary() };
  }

  private postfix(expr: Expr): Expr {
    for (;;) {
      if (this.accept(".")) {
        const name = this.ident();
        expr = this.accept("(") ? { k: "method", object: expr, name, args: this.listOf(")", () => this.expression()) } : { k: "member", object: expr, name };
      } else if (this.accept("[")) {
        expr = { k: "index", object: expr, index: this.expression() };
        this.expect("]");
      } else {
        return expr;
      }
    }
  }

  private primary(): Expr {
    const t = this.next();
    if (t.kind === "num" || t.kind === "str") return { k: "literal", value: t.value ?? null };
    if (t.kind === "id") {
      if (t.text === "true" || t.text === "false" || t.text === "null") return { k: "literal", value: t.text === "null" ? null : t.text === "true" };
      return this.accept("(") ? { k: "call", name: t.text, args: this.listOf(")", () => this.expression()) } : { k: "name", name: t.text };
    }
    if (t.kind !== "op") return this.fail(`unexpected '${t.text}'`, t.pos);
    if (t.text === "/") return this.pathLiteral(t.pos);
    if (t.text === "[") return { k: "list", items: this.listOf("]", () => this.expression()) };
    if (t.text === "{") return { k: "map", entries: this.listOf("}", () => this.entry()) };
    if (t.text !== "(") return this.fail(`unexpected '${t.text}'`, t.pos);
    const inner = this.expression();
    this.expect(")");
    return inner;
  }

  private entry(): [Expr, Expr] {
    const key = this.expression();
    this.expect(":");
    return [key, this.expression()];
  }

  /** Items separated by commas (a trailing one allowed) up to `close`, which it consumes. */
  private listOf<T>(close: string, item: () => T): T[] {
    const items: T[] = [];
    while (!this.accept(close)) {
      items.push(item());
      if (!this.accept(",")) {
        this.expect(close);
        break;
      }
    }
    return items;
  }

  private peek(): Token {
    return (this.ahead ??= this.scan());
  }

  private next(): Token {
    const t = this.peek();
    this.ahead = undefined;
    return t;
  }

  private accept(text: string): boolean {
    const t = this.peek();
    if ((t.kind !== "op" && t.kind !== "id") || t.text !== text) return false;
    this.ahead = undefined;
    return true;
  }

  private expect(text: string): void {
    if (!this.accept(text)) this.fail(`expected '${text}' but found '${this.peek().text}'`);
  }

  private ident(): string {
    const t = this.next();
    return t.kind === "id" ? t.text : this.fail(`expected a name but found '${t.text}'`, t.pos);
  }

  private scan(): Token {
    this.sticky(SPACE);
    const pos = this.pos;
    if (pos >= this.src.length) return { kind: "eof", text: "end of input", pos };
    const word = this.sticky(IDENT)?.[0];
    if (word) return { kind: "id", text: word, pos };
    const number = this.sticky(NUMBER)?.[0];
    if (number) return { kind: "num", text: number, value: Number(number), pos };
    const string = this.sticky(STRING);
    if (string) return { kind: "str", text: string[0], value: this.unescape(string[2] as string, pos), pos };
    if (this.src[pos] === "'" || this.src[pos] === '"') this.fail("unterminated string", pos);
    const op = OPERATORS.find((o) => this.src.startsWith(o, pos)) ?? this.fail(`unexpected character '${this.src[pos]}'`, pos);
    this.pos += op.length;
    return { kind: "op", text: op, pos };
  }

  private unescape(body: string, pos: number): string {
    return body.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, e: string) =>
      e.length > 1 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (own(ESCAPES, e) ?? this.fail(`unknown escape \\${e} in this string`, pos)),
    );
  }

  private sticky(re: RegExp): RegExpExecArray | null {
    re.lastIndex = this.pos;
    const match = re.exec(this.src);
    if (match) this.pos = re.lastIndex;
    return match;
  }

  private fail(message: string, at = this.peek().pos): never {
    const lines = this.src.slice(0, at).split("\n");
    throw new Error(`rules syntax error at ${lines.length}:${(lines.at(-1) ?? "").length + 1}: ${message}`);
  }
}
