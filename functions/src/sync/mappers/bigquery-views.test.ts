import { z } from "zod";
import { describe, expect, it } from "vitest";
import { STORED_SCHEMAS } from "../../schemas/stored.js";
import { MIRRORED_DOCUMENTS } from "../collections.js";
import { typedViews, type ColumnType } from "./bigquery-views.js";

/** The type a JSON Schema property (zod's own z.toJSONSchema, an oracle independent of the generator) should get. */
function expectedType(property: JsonProperty): ColumnType {
  // A nullable value is `anyOf: [the value, {type: "null"}]`.
  const alternatives = (property.anyOf ?? []).filter((alternative) => alternative.type !== "null");
  if (alternatives.length === 1) return expectedType(alternatives[0] as JsonProperty);
  const types = (Array.isArray(property.type) ? property.type : [property.type]).filter((type) => type !== "null");
  if (types.length !== 1) return "JSON";
  if (types[0] === "string") return property.format === "date-time" ? "TIMESTAMP" : "STRING";
  if (types[0] === "integer") return "INT64";
  if (types[0] === "number") return "FLOAT64";
  if (types[0] === "boolean") return "BOOL";
  return "JSON";
}

type JsonProperty = { type?: string | string[]; format?: string; anyOf?: JsonProperty[]; properties?: Record<string, JsonProperty> };
type JsonSchema = { properties?: Record<string, JsonProperty> };

const views = (collection: keyof typeof STORED_SCHEMAS) =>
  typedViews({ projectId: "demo-p", dataset: "d", collection, pattern: MIRRORED_DOCUMENTS[collection], schema: STORED_SCHEMAS[collection] });

describe("typed views from the stored schemas", () => {
  it.each(Object.keys(STORED_SCHEMAS) as (keyof typeof STORED_SCHEMAS)[])("when %s's schema is read, then every field has a column of its type, and every array and map a view of its own", (collection) => {
    const schema = z.toJSONSchema(STORED_SCHEMAS[collection], { unrepresentable: "any", io: "input" }) as JsonSchema;
    const [main, ...companions] = views(collection);
    const columns = Object.fromEntries((main?.columns ?? []).map((column) => [column.name, column.type]));

    for (const [field, property] of Object.entries(schema.properties ?? {})) {
      const nested = property.type === "object" && property.properties;
      if (nested) {
        for (const [child, childProperty] of Object.entries(property.properties ?? {})) expect(columns[`${field}_${child}`], `${field}.${child}`).toBe(expectedType(childProperty));
        continue;
      }
      expect(columns[field], field).toBe(expectedType(property));
      const composite = property.type === "array" || (property.type === "object" && !property.properties);
      if (composite) expect(companions.map((view) => view.name)).toContain(`${collection}_schema_${field}`);
    }
  });

  it("when progress's maps and arrays get views, then each names its key or position and types the values", () => {
    const byName = Object.fromEntries(views("progress").map((view) => [view.name, view.columns]));

    expect(byName["progress_schema_watchTimes"]).toEqual(expect.arrayContaining([{ name: "key", type: "STRING" }, { name: "value", type: "FLOAT64" }, { name: "path_uid", type: "STRING" }]));
    expect(byName["progress_schema_completedLectures"]).toEqual(expect.arrayContaining([{ name: "position", type: "INT64" }, { name: "value", type: "STRING" }]));
    expect(byName["progress_schema_segments"]).toEqual(expect.arrayContaining([{ name: "value", type: "JSON" }]));
  });

  it("when a collection's history is typed, then each latest view has a changelog twin over the changelog table, with the change's time, event and operation", () => {
    const all = views("progress");
    const latest = all.filter((view) => !view.name.includes("_changelog"));
    const history = all.filter((view) => view.name.includes("_schema_changelog"));

    expect(history.map((view) => view.name)).toEqual(latest.map((view) => (view.name.endsWith("_schema_latest") ? "progress_schema_changelog" : view.name.replace("_schema_", "_schema_changelog_"))));
    for (const view of history) {
      expect(view.sql).toContain("FROM `demo-p.d.progress_raw_changelog` AS l");
      expect(view.columns).toEqual(expect.arrayContaining([{ name: "timestamp", type: "TIMESTAMP" }, { name: "event_id", type: "STRING" }, { name: "operation", type: "STRING" }]));
    }
  });

  it("when a view reads the latest view, then it names the project's dataset and the collection's latest view", () => {
    expect(views("users")[0]?.sql).toMatch(/FROM `demo-p\.d\.users_raw_latest` AS l$/);
  });
});
