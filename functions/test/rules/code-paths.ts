/**
 * The Firestore paths the product code names, found by reading functions/src with the TypeScript parser rather
 * than listed by hand, so a new collection cannot slip past the rules check. Every string and template literal
 * is resolved as far as the sources allow (a `${coursePath(id)}` prefix through the helper's own template, an
 * imported constant through its declaration); what stays unknown becomes a `*` segment.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

/** A wildcard segment: an id, or a part of the path the sources do not spell out. */
export const ANY = "*";

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MEDIA_TYPE = /^(application|text|image|audio|video|multipart)\/[\w.+-]+$/;

/** Document paths (`users/*\/progress/*`), collection paths completed with a `*` id. Sorted, unique. */
export function firestorePathsIn(sourceDir: string): string[] {
  const files = sourceFiles(sourceDir);
  const declarations: Declarations = new Map();
  for (const file of files) collectDeclarations(file, declarations);
  const paths = new Set<string>();
  for (const file of files) {
    visitLiterals(file, (node) => {
      const path = asFirestorePath(resolve(node, declarations, new Set()));
      if (path) paths.add(path);
    });
  }
  return [...paths].sort();
}

function sourceFiles(dir: string): ts.SourceFile[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts"))
    .map((name) => ts.createSourceFile(name, readFileSync(join(dir, name), "utf8"), ts.ScriptTarget.Latest, true));
}

/** Constants and arrow functions by name; null when a name is declared twice with different values (ambiguous). */
type Declarations = Map<string, ts.Expression | null>;

/** `const X = "..."`, `const X = \`...\`` and `const f = (a) => \`...\`` at any level, by name. */
function collectDeclarations(file: ts.SourceFile, into: Declarations): void {
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const name = node.name.text;
      const known = into.get(name);
      into.set(name, known === undefined || known?.getText() === node.initializer.getText() ? node.initializer : null);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

function visitLiterals(file: ts.SourceFile, onLiteral: (node: ts.Expression) => void): void {
  const visit = (node: ts.Node): void => {
    // Module specifiers ("firebase-admin/firestore") are not data.
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isImportTypeNode(node)) return;
    // Media types ("application/json", an HTTP header's value) are path-shaped but name no document.
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && MEDIA_TYPE.test(node.text)) return;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) onLiteral(node);
    ts.forEachChild(node, visit);
  };
  visit(file);
}

/** The text an expression evaluates to, with `*` for whatever the sources cannot tell. */
function resolve(node: ts.Expression, declarations: Declarations, seen: Set<string>): string {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) {
    return node.head.text + node.templateSpans.map((span) => resolve(span.expression, declarations, seen) + span.literal.text).join("");
  }
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) return resolve(node.expression, declarations, seen);
  const name = ts.isIdentifier(node) ? node.text : ts.isCallExpression(node) && ts.isIdentifier(node.expression) ? node.expression.text : undefined;
  const declared = name === undefined || seen.has(name) ? undefined : declarations.get(name);
  if (!declared) return ANY;
  const inner = new Set(seen).add(name as string);
  // A helper's parameters are unknown here: they resolve to `*` because they are not declared constants.
  if (ts.isArrowFunction(declared)) return ts.isBlock(declared.body) ? ANY : resolve(declared.body, declarations, inner);
  if (ts.isIdentifier(node)) return resolve(declared, declarations, inner);
  return ANY;
}

/** A Firestore document path with `*` ids, or undefined when the text is not path-shaped. */
function asFirestorePath(text: string): string | undefined {
  const segments = text.split("/").map((segment) => (segment.includes(ANY) || /^\{\w+\}$/.test(segment) ? ANY : segment));
  if (segments.length < 2 || segments[0] === ANY) return undefined;
  if (!segments.every((segment) => segment === ANY || SEGMENT.test(segment))) return undefined;
  // Even segment counts name documents; odd ones collections, whose documents the rules must cover.
  if (segments.length % 2 === 1) segments.push(ANY);
  return segments.join("/");
}
