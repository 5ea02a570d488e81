/**
 * BigQuery GoogleSQL → DuckDB SQL, for the subset the product and its tests use. The translation works on tokens
 * (strings, comments and quoted names are never rewritten) and is a short list of explicit rules; anything the
 * stand-in does not handle either fails in DuckDB (answered as a 400 invalidQuery with DuckDB's message) or is
 * refused up front with UnsupportedSql.
 *
 * Rules:
 *  - `project.dataset.table` in backticks (whole or per part) → "dataset"."table" (one DuckDB schema per dataset);
 *    another project's name is refused. Unquoted `dataset.table` already means schema.table in DuckDB.
 *  - `* EXCEPT (a, b)` → `* EXCLUDE (a, b)`; `* REPLACE (...)` is the same in both.
 *  - `UNION/EXCEPT/INTERSECT DISTINCT` → `UNION/EXCEPT/INTERSECT`.
 *  - `@name` → `$name` (named parameters); `?` stays positional.
 *  - "double-quoted" and 'single-quoted' strings with backslash escapes → DuckDB '...' strings.
 *  - functions: JSON_VALUE / JSON_EXTRACT_SCALAR → json_extract_string, JSON_QUERY / JSON_EXTRACT → json_extract,
 *    SAFE_CAST → TRY_CAST, TIMESTAMP_MICROS → make_timestamp, TIMESTAMP_MILLIS → epoch_ms, UNIX_MICROS → epoch_us,
 *    UNIX_MILLIS → epoch_ms, COUNTIF → count_if, LOGICAL_AND/OR → bool_and/bool_or,
 *    CURRENT_TIMESTAMP() → CAST(now() AS TIMESTAMP), GENERATE_UUID() → CAST(gen_random_uuid() AS VARCHAR).
 *  - `CAST(x AS FLOAT64|BYTES|NUMERIC|BIGNUMERIC)` → DOUBLE | BLOB | DECIMAL(38, 9) (INT64, STRING, BOOL exist in DuckDB).
 *  - `x IN UNNEST(@list)` → `x IN (SELECT UNNEST($list))`.
 *  - JSON: JSON_QUERY_ARRAY, JSON_KEYS, PARSE_JSON, LAX_FLOAT64/INT64/BOOL/STRING and TO_JSON_STRING, and SAFE_DIVIDE
 *    → macros of the same meaning (DUCKDB_MACROS, created with the database); a JSON subscript `f(...)[key]` → `f(...) -> (key)`.
 *  - In FROM: `UNNEST(e) AS x` → `UNNEST(e) AS _uN(x)`, and `UNNEST(e) AS x WITH OFFSET AS i` → a lateral subquery
 *    numbering the items from 0 (DuckDB's WITH ORDINALITY counts from 1).
 */

export class UnsupportedSql extends Error {
  override name = "UnsupportedSql";
}

type TokenKind = "word" | "backtick" | "string" | "number" | "param" | "space" | "comment" | "punct";
interface Token {
  kind: TokenKind;
  text: string;
  /** strings: the decoded value; backticks: the name inside; params: the name */
  value?: string;
}

const FUNCTIONS: Record<string, string> = {
  JSON_VALUE: "json_extract_string",
  JSON_EXTRACT_SCALAR: "json_extract_string",
  JSON_QUERY: "json_extract",
  JSON_EXTRACT: "json_extract",
  SAFE_CAST: "TRY_CAST",
  TIMESTAMP_MICROS: "make_timestamp",
  TIMESTAMP_MILLIS: "epoch_ms",
  UNIX_MICROS: "epoch_us",
  UNIX_MILLIS: "epoch_ms",
  COUNTIF: "count_if",
  LOGICAL_AND: "bool_and",
  LOGICAL_OR: "bool_or",
  JSON_QUERY_ARRAY: "bq_json_query_array",
  JSON_KEYS: "bq_json_keys",
  PARSE_JSON: "bq_parse_json",
  LAX_FLOAT64: "bq_lax_float64",
  LAX_INT64: "bq_lax_int64",
  LAX_BOOL: "bq_lax_bool",
  LAX_STRING: "bq_lax_string",
  TO_JSON_STRING: "bq_to_json_string",
  SAFE_DIVIDE: "bq_safe_divide",
};

/** BigQuery functions DuckDB has under other shapes, as macros the store creates once (store.ts). */
export const DUCKDB_MACROS = [
  // JSON_QUERY_ARRAY returns the array's items as JSON texts; json_extract with [*] does.
  "CREATE MACRO bq_json_query_array(j, p) AS json_extract(j, p || '[*]')",
  // JSON_KEYS(json, 1): the top-level keys (the only depth the project asks for).
  "CREATE MACRO bq_json_keys(j, d := 1) AS json_keys(j)",
  "CREATE MACRO bq_parse_json(s) AS CAST(s AS JSON)",
  "CREATE MACRO bq_lax_float64(j) AS TRY_CAST(j AS DOUBLE)",
  "CREATE MACRO bq_lax_int64(j) AS TRY_CAST(TRY_CAST(j AS DOUBLE) AS BIGINT)",
  "CREATE MACRO bq_lax_bool(j) AS TRY_CAST(j AS BOOLEAN)",
  "CREATE MACRO bq_lax_string(j) AS json_extract_string(j, '$')",
  "CREATE MACRO bq_to_json_string(j) AS CAST(j AS VARCHAR)",
  // SAFE_DIVIDE: NULL where the division would fail (by zero), and always FLOAT64 as BigQuery's `/` is.
  "CREATE MACRO bq_safe_divide(a, b) AS CASE WHEN b = 0 THEN NULL ELSE CAST(a AS DOUBLE) / b END",
];

/** Functions called with no arguments, replaced whole (with their empty parentheses). */
const NULLARY: Record<string, string> = {
  CURRENT_TIMESTAMP: "CAST(now() AS TIMESTAMP)",
  GENERATE_UUID: "CAST(gen_random_uuid() AS VARCHAR)",
};

const CAST_TYPES: Record<string, string> = {
  FLOAT64: "DOUBLE",
  BYTES: "BLOB",
  NUMERIC: "DECIMAL(38, 9)",
  BIGNUMERIC: "DECIMAL(38, 9)",
};

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const rest = sql.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\s+/.exec(rest))) {
      tokens.push({ kind: "space", text: m[0] });
    } else if ((m = /^(--|#)[^\n]*/.exec(rest)) || (m = /^\/\*[\s\S]*?\*\//.exec(rest))) {
      tokens.push({ kind: "comment", text: m[0] });
    } else if (/^[rRbB]{1,2}['"]/.test(rest)) {
      throw new UnsupportedSql(`raw and bytes literals (${rest.slice(0, 3)}...) are not supported by the local BigQuery stand-in`);
    } else if (c === "'" || c === '"') {
      if (rest.startsWith(c.repeat(3))) throw new UnsupportedSql("triple-quoted strings are not supported by the local BigQuery stand-in");
      const { text, value } = readQuoted(sql, i, c);
      tokens.push({ kind: "string", text, value });
    } else if (c === "`") {
      const end = sql.indexOf("`", i + 1);
      if (end < 0) throw new UnsupportedSql("unclosed backtick");
      const text = sql.slice(i, end + 1);
      tokens.push({ kind: "backtick", text, value: text.slice(1, -1) });
    } else if ((m = /^@@?[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) {
      if (m[0].startsWith("@@")) throw new UnsupportedSql(`system variables (${m[0]}) are not supported by the local BigQuery stand-in`);
      tokens.push({ kind: "param", text: m[0], value: m[0].slice(1) });
    } else if ((m = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(rest))) {
      tokens.push({ kind: "number", text: m[0] });
    } else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) {
      tokens.push({ kind: "word", text: m[0] });
    } else if ((m = /^(!=|<>|<=|>=|\|\||<<|>>)/.exec(rest))) {
      tokens.push({ kind: "punct", text: m[0] });
    } else {
      tokens.push({ kind: "punct", text: c });
    }
    i += tokens[tokens.length - 1]!.text.length;
  }
  return tokens;
}

function readQuoted(sql: string, start: number, quote: string): { text: string; value: string } {
  let value = "";
  let i = start + 1;
  const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?", "0": "\0" };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "\\") {
      const next = sql[i + 1];
      if (next === undefined) break;
      if (next in escapes) value += escapes[next];
      else throw new UnsupportedSql(`escape \\${next} in a string literal is not supported by the local BigQuery stand-in`);
      i += 2;
    } else if (c === quote) {
      return { text: sql.slice(start, i + 1), value };
    } else {
      value += c;
      i += 1;
    }
  }
  throw new UnsupportedSql("unclosed string literal");
}

const duckString = (value: string) => `'${value.replaceAll("'", "''")}'`;
const duckName = (name: string) => `"${name.replaceAll('"', '""')}"`;

export interface Translation {
  sql: string;
  /** Named parameters referenced (without @). */
  params: string[];
  /** `dataset.table` names referenced through backticks (for error messages). */
  tables: string[];
  /** A query, or a DML DELETE (the only DML the stand-in runs). */
  statement: "select" | "delete";
}

/**
 * Translates one SELECT (or WITH ... SELECT) statement. `projectId` is the stand-in's project: backticked names
 * of other projects are refused.
 */
export function translate(sql: string, projectId: string): Translation {
  const tokens = tokenize(sql);
  const significant = tokens.filter((t) => t.kind !== "space" && t.kind !== "comment");
  const first = significant[0]?.text.toUpperCase();
  if (first !== "SELECT" && first !== "WITH" && first !== "(" && first !== "DELETE") {
    throw new UnsupportedSql(`only SELECT queries and DELETE statements are supported by the local BigQuery stand-in (got ${first ?? "an empty query"})`);
  }
  // BigQuery: "DELETE must have a WHERE clause" (use WHERE true to delete every row).
  if (first === "DELETE" && !significant.some((t) => t.text.toUpperCase() === "WHERE")) throw new UnsupportedSql("DELETE must have a WHERE clause");
  const semicolon = significant.findIndex((t) => t.text === ";");
  if (semicolon >= 0 && semicolon < significant.length - 1) {
    throw new UnsupportedSql("multi-statement queries and scripts are not supported by the local BigQuery stand-in");
  }

  const params = new Set<string>();
  const tables = new Set<string>();
  const out: string[] = [];
  // index into tokens of the next/previous significant token
  const next = (i: number) => {
    for (let j = i + 1; j < tokens.length; j++) if (tokens[j]!.kind !== "space" && tokens[j]!.kind !== "comment") return j;
    return -1;
  };
  const prev = (i: number) => {
    for (let j = i - 1; j >= 0; j--) if (tokens[j]!.kind !== "space" && tokens[j]!.kind !== "comment") return j;
    return -1;
  };
  const textAt = (i: number) => (i >= 0 ? tokens[i]!.text.toUpperCase() : "");
  // closing parentheses to add after the token at the given index (IN UNNEST)
  const closeAfter = new Map<number, number>();
  // text to put instead of the token at the given index (a subscript's `]`, an UNNEST's closing parenthesis)
  const replaceAt = new Map<number, string>();
  const skip = new Set<number>();
  let unnests = 0;

  for (let i = 0; i < tokens.length; i++) {
    if (skip.has(i)) continue;
    const token = tokens[i]!;
    const upper = token.text.toUpperCase();
    switch (token.kind) {
      case "comment":
        out.push(token.text.startsWith("#") ? `--${token.text.slice(1)}` : token.text);
        break;
      case "string":
        out.push(duckString(token.value!));
        break;
      case "param":
        params.add(token.value!);
        out.push(`$${token.value!}`);
        break;
      case "backtick": {
        const parts = token.value!.split(".");
        if (parts.some((p) => p === "")) throw new UnsupportedSql(`cannot read the name ${token.text}`);
        // `project`.dataset.table: drop the project and its dot
        const after = next(i);
        if (parts.length === 1 && parts[0] === projectId && textAt(after) === ".") {
          skip.add(after);
          for (let j = i + 1; j < after; j++) skip.add(j);
          break;
        }
        if (parts.length > 3) throw new UnsupportedSql(`cannot read the name ${token.text}`);
        if (parts.length === 3) {
          if (parts[0] !== projectId) throw new UnsupportedSql(`project ${parts[0]} is not served by the local BigQuery stand-in (project ${projectId})`);
          parts.shift();
        }
        if (parts.length === 2) tables.add(parts.join("."));
        out.push(parts.map(duckName).join("."));
        break;
      }
      case "word": {
        const before = prev(i);
        const after = next(i);
        if (upper === "EXCEPT" && textAt(before) === "*" && textAt(after) === "(") {
          out.push("EXCLUDE");
        } else if ((upper === "UNION" || upper === "EXCEPT" || upper === "INTERSECT") && textAt(after) === "DISTINCT") {
          out.push(token.text);
          for (let j = i + 1; j <= after; j++) skip.add(j);
        } else if (upper in FUNCTIONS && textAt(after) === "(") {
          out.push(FUNCTIONS[upper]!);
        } else if (upper in NULLARY && textAt(after) === "(" && textAt(next(after)) === ")") {
          out.push(NULLARY[upper]!);
          for (let j = i + 1; j <= next(after); j++) skip.add(j);
        } else if (upper in CAST_TYPES && textAt(before) === "AS" && textAt(after) === ")") {
          out.push(CAST_TYPES[upper]!);
        } else if (upper === "UNNEST" && textAt(before) === "IN" && textAt(after) === "(") {
          const close = matchingParen(tokens, after);
          out.push("(SELECT UNNEST");
          closeAfter.set(close, (closeAfter.get(close) ?? 0) + 1);
        } else if (upper === "UNNEST" && [",", "JOIN", "FROM"].includes(textAt(before)) && textAt(after) === "(") {
          // UNNEST(e) AS x [WITH OFFSET [AS] i] in FROM: name the column, and count the offset from 0.
          const close = matchingParen(tokens, after);
          const as = next(close);
          const name = textAt(as) === "AS" ? next(as) : -1;
          if (name < 0 || tokens[name]!.kind !== "word") throw new UnsupportedSql("UNNEST in FROM needs AS <name> in the local BigQuery stand-in");
          const alias = `_u${unnests++}`;
          const item = tokens[name]!.text;
          for (let j = close + 1; j <= name; j++) skip.add(j);
          if (textAt(next(name)) === "WITH" && textAt(next(next(name))) === "OFFSET") {
            const offsetAs = next(next(next(name)));
            const offset = textAt(offsetAs) === "AS" ? next(offsetAs) : offsetAs;
            for (let j = name + 1; j <= offset; j++) skip.add(j);
            out.push("(SELECT v.", item, " AS ", item, ", v._o - 1 AS ", tokens[offset]!.text, " FROM UNNEST");
            replaceAt.set(close, `) WITH ORDINALITY AS v(${item}, _o)) AS ${alias}`);
          } else {
            out.push("UNNEST");
            replaceAt.set(close, `) AS ${alias}(${item})`);
          }
        } else {
          out.push(token.text);
        }
        break;
      }
      default:
        if (replaceAt.has(i)) out.push(replaceAt.get(i)!);
        // A JSON subscript, `PARSE_JSON(s)[key]`: DuckDB's -> takes the key as an expression.
        else if (token.text === "[" && textAt(prev(i)) === ")") {
          out.push("->(");
          replaceAt.set(matchingBracket(tokens, i), ")");
        } else out.push(token.text);
    }
    const extra = closeAfter.get(i);
    if (extra) out.push(")".repeat(extra));
  }
  return { sql: out.join("").replace(/;\s*$/, ""), params: [...params], tables: [...tables], statement: first === "DELETE" ? "delete" : "select" };
}

function matchingBracket(tokens: Token[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    if (tokens[j]!.text === "[") depth++;
    if (tokens[j]!.text === "]" && --depth === 0) return j;
  }
  throw new UnsupportedSql("unbalanced brackets");
}

function matchingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    if (tokens[j]!.text === "(") depth++;
    if (tokens[j]!.text === ")" && --depth === 0) return j;
  }
  throw new UnsupportedSql("unbalanced parentheses");
}
