import { describe, expect, it } from "vitest";
import { translate, UnsupportedSql } from "./sql.ts";

const sql = (text: string) => translate(text, "demo-p").sql;

describe("BigQuery → DuckDB translation", () => {
  it("turns the latest-view SQL into DuckDB's", () => {
    const view = [
      "SELECT * EXCEPT (rn) FROM (",
      "  SELECT *, ROW_NUMBER() OVER (PARTITION BY document_name ORDER BY version DESC, timestamp DESC, event_id DESC) AS rn",
      "  FROM `demo-p.learnpulse.answers_raw_changelog`)",
      "WHERE rn = 1 AND operation != 'DELETE'",
    ].join("\n");
    expect(sql(view)).toBe(
      [
        "SELECT * EXCLUDE (rn) FROM (",
        "  SELECT *, ROW_NUMBER() OVER (PARTITION BY document_name ORDER BY version DESC, timestamp DESC, event_id DESC) AS rn",
        '  FROM "learnpulse"."answers_raw_changelog")',
        "WHERE rn = 1 AND operation != 'DELETE'",
      ].join("\n"),
    );
  });

  it("reads table names in backticks whole, per part, or without the project", () => {
    expect(sql("SELECT 1 FROM `demo-p`.learnpulse.t")).toBe("SELECT 1 FROM learnpulse.t");
    expect(sql("SELECT 1 FROM `demo-p`.`learnpulse`.`t`")).toBe('SELECT 1 FROM "learnpulse"."t"');
    expect(sql("SELECT 1 FROM `learnpulse.t`")).toBe('SELECT 1 FROM "learnpulse"."t"');
    expect(translate("SELECT 1 FROM `demo-p.d.t` JOIN `d.u` USING (x)", "demo-p").tables).toEqual(["d.t", "d.u"]);
  });

  it("turns UNNEST in FROM into a named column, and WITH OFFSET into a lateral subquery counting from 0", () => {
    expect(sql("SELECT key FROM d.t AS l, UNNEST(JSON_KEYS(PARSE_JSON(l.m), 1)) AS key")).toBe("SELECT key FROM d.t AS l, UNNEST(bq_json_keys(bq_parse_json(l.m), 1)) AS _u0(key)");
    expect(sql("SELECT item, i FROM d.t AS l, UNNEST(JSON_QUERY_ARRAY(l.a, '$.x')) AS item WITH OFFSET AS i")).toBe(
      "SELECT item, i FROM d.t AS l, (SELECT v.item AS item, v._o - 1 AS i FROM UNNEST(bq_json_query_array(l.a, '$.x')) WITH ORDINALITY AS v(item, _o)) AS _u0",
    );
    expect(() => sql("SELECT 1 FROM d.t, UNNEST(x)")).toThrow(/needs AS <name>/);
  });

  it("turns a JSON subscript into DuckDB's -> and the LAX conversions into macros", () => {
    expect(sql("SELECT LAX_FLOAT64(PARSE_JSON(m)[key]) FROM d.t")).toBe("SELECT bq_lax_float64(bq_parse_json(m)->(key)) FROM d.t");
  });

  it("refuses another project's tables", () => {
    expect(() => sql("SELECT 1 FROM `other.d.t`")).toThrow(/project other is not served/);
  });

  it("turns named parameters into DuckDB's and lists them", () => {
    const t = translate("SELECT a FROM d.t WHERE a > @after AND b = @name AND c = @after LIMIT 500", "demo-p");
    expect(t.sql).toBe("SELECT a FROM d.t WHERE a > $after AND b = $name AND c = $after LIMIT 500");
    expect(t.params).toEqual(["after", "name"]);
  });

  it("rewrites strings, never what is inside them", () => {
    expect(sql(`SELECT "it's", 'a\\'b', '@x * EXCEPT (y)', "\\n" FROM d.t`)).toBe(`SELECT 'it''s', 'a''b', '@x * EXCEPT (y)', '\n' FROM d.t`);
  });

  it("renames the functions it knows", () => {
    expect(sql("SELECT JSON_VALUE(data, '$.uid'), json_query(data, '$.a'), SAFE_CAST(x AS INT64), COUNTIF(y), CURRENT_TIMESTAMP() FROM d.t")).toBe(
      "SELECT json_extract_string(data, '$.uid'), json_extract(data, '$.a'), TRY_CAST(x AS INT64), count_if(y), CAST(now() AS TIMESTAMP) FROM d.t",
    );
    expect(sql("SELECT CAST(x AS FLOAT64), CAST(y AS NUMERIC) FROM d.t")).toBe("SELECT CAST(x AS DOUBLE), CAST(y AS DECIMAL(38, 9)) FROM d.t");
  });

  it("turns IN UNNEST(@list) into a subquery and set operations' DISTINCT into DuckDB's default", () => {
    expect(sql("SELECT a FROM d.t WHERE a IN UNNEST(@ids)")).toBe("SELECT a FROM d.t WHERE a IN (SELECT UNNEST($ids))");
    expect(sql("SELECT a FROM d.t EXCEPT DISTINCT SELECT a FROM d.u")).toBe("SELECT a FROM d.t EXCEPT SELECT a FROM d.u");
  });

  it("refuses what it does not handle, with a clear message", () => {
    for (const [text, message] of [
      ["INSERT INTO d.t VALUES (1)", /only SELECT queries/],
      ["SELECT 1; SELECT 2", /multi-statement/],
      ["SELECT @@project_id", /system variables/],
      ["SELECT r'raw'", /raw and bytes literals/],
      ["SELECT '''x'''", /triple-quoted/],
    ] as const) {
      expect(() => sql(text), text).toThrow(UnsupportedSql);
      expect(() => sql(text), text).toThrow(message);
    }
  });
});
