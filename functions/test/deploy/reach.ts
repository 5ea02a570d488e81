/**
 * Which secrets each deployed function's code can reach, read from the source with the TypeScript compiler: from
 * the handler a registration hands over (its last argument; the options before it only *bind* secrets), every
 * declaration in functions/src that the code names is followed, transitively; a `defineSecret("NAME")` reached so
 * is a secret the function can read. It over-approximates (naming is not calling), which is the safe side for
 * "bound to what it can reach": a secret it names but never reads is still bound.
 */
import { dirname, join, resolve } from "node:path";
import ts from "typescript";

export function secretsReachedByFunction(functionsDir: string): Map<string, Set<string>> {
  const configFile = ts.readConfigFile(join(functionsDir, "tsconfig.build.json"), (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, functionsDir);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const checker = program.getTypeChecker();
  const srcDir = resolve(functionsDir, "src");
  const index = program.getSourceFile(join(srcDir, "index.ts"));
  if (!index) throw new Error("functions/src/index.ts is not in the build");

  const inSource = (node: ts.Node) => resolve(node.getSourceFile().fileName).startsWith(srcDir);
  const resolved = (symbol: ts.Symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);

  const reached = new Map<string, Set<string>>();
  for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(index)!)) {
    const declaration = resolved(exported).valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer || !ts.isCallExpression(declaration.initializer)) {
      throw new Error(`${exported.name}: not registered as \`const name = register(options, handler)\``);
    }
    const handler = declaration.initializer.arguments.at(-1)!;
    reached.set(exported.name, secretsReachedFrom(handler));
  }
  return reached;

  function secretsReachedFrom(start: ts.Node): Set<string> {
    const secrets = new Set<string>();
    const seen = new Set<ts.Node>();
    const queue: ts.Node[] = [start];
    while (queue.length) {
      const node = queue.pop()!;
      const visit = (child: ts.Node): void => {
        if (ts.isTypeNode(child) || ts.isInterfaceDeclaration(child) || ts.isTypeAliasDeclaration(child)) return;
        if (ts.isIdentifier(child)) follow(child);
        ts.forEachChild(child, visit);
      };
      visit(node);
    }
    return secrets;

    function follow(identifier: ts.Identifier): void {
      const symbol = checker.getSymbolAtLocation(identifier);
      if (!symbol) return;
      for (const declaration of resolved(symbol).declarations ?? []) {
        if (seen.has(declaration) || !inSource(declaration)) continue;
        seen.add(declaration);
        const secret = secretName(declaration);
        if (secret) secrets.add(secret);
        else queue.push(declaration);
      }
    }
  }
}

/**
 * `const X = defineSecret("NAME", ...)` → "NAME"; a family declared together, such as one per shard
 * (`const XS = Array.from(..., () => defineSecret(\`NAME${suffix}\`))`), → "NAME*" (see secretMatches).
 */
function secretName(declaration: ts.Node): string | undefined {
  if (!ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "defineSecret") {
      const [name] = node.arguments;
      if (name && (ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name))) found = name.text;
      else if (name && ts.isTemplateExpression(name)) found = `${name.head.text}*`;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(declaration.initializer);
  return found;
}

/** Whether a bound secret is the reached one, or of the reached family: "NAME*" stands for NAME, NAME_1, NAME_2, ... */
export function secretMatches(reached: string, bound: string): boolean {
  if (!reached.endsWith("*")) return reached === bound;
  return new RegExp(`^${reached.slice(0, -1)}(_\\d+)?$`).test(bound);
}

export const FUNCTIONS_DIR = resolve(dirname(new URL(import.meta.url).pathname), "..", "..");
