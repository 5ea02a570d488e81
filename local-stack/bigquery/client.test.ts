/**
 * The stand-in driven by the official @google-cloud/bigquery client, configured as the product configures it.
 */
import { BigQuery, type Dataset, type Table, type TableField } from "@google-cloud/bigquery";
import { OAuth2Client } from "google-auth-library";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startBigQuery, type LocalBigQuery } from "./index.ts";

const PROJECT = "demo-learnpulse";
const DATASET = "learnpulse";
const CHANGELOG = "answers_raw_changelog";
const LATEST = "answers_raw_latest";

const SCHEMA: TableField[] = [
  { name: "timestamp", type: "TIMESTAMP", mode: "REQUIRED" },
  { name: "event_id", type: "STRING", mode: "REQUIRED" },
  { name: "document_name", type: "STRING", mode: "REQUIRED" },
  { name: "document_id", type: "STRING", mode: "REQUIRED" },
  { name: "operation", type: "STRING", mode: "REQUIRED" },
  { name: "data", type: "STRING", mode: "NULLABLE" },
  { name: "old_data", type: "STRING", mode: "NULLABLE" },
  { name: "path_params", type: "STRING", mode: "NULLABLE" },
  { name: "version", type: "TIMESTAMP", mode: "REQUIRED" },
];

const LATEST_SQL = [
  "SELECT * EXCEPT (rn) FROM (",
  "  SELECT *, ROW_NUMBER() OVER (PARTITION BY document_name ORDER BY version DESC, timestamp DESC, event_id DESC) AS rn",
  `  FROM \`${PROJECT}.${DATASET}.${CHANGELOG}\`)`,
  "WHERE rn = 1 AND operation != 'DELETE'",
].join("\n");

/** The client exactly as the product builds it, plus test-only options (timeout, retries). */
function client(local: LocalBigQuery, extra: Record<string, unknown> = {}): BigQuery {
  // The client prefers BIGQUERY_EMULATOR_HOST over apiEndpoint, and a test run's shared local stack sets it for its
  // own stand-in: point it at this test's instance, as the product's environment points it at the stack's.
  process.env["BIGQUERY_EMULATOR_HOST"] = local.apiEndpoint;
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: "local", expiry_date: Date.now() + 3600e3 });
  return new BigQuery({ projectId: local.projectId, apiEndpoint: `http://${local.host}`, authClient, ...extra });
}

async function ensureTables(bq: BigQuery): Promise<{ dataset: Dataset; table: Table }> {
  const [dataset] = await bq.dataset(DATASET).get({ autoCreate: true });
  const [table] = await dataset.table(CHANGELOG).get({
    autoCreate: true,
    schema: SCHEMA,
    timePartitioning: { type: "DAY", field: "timestamp" },
    clustering: { fields: ["document_name"] },
  });
  await dataset.table(LATEST).get({ autoCreate: true, view: { query: LATEST_SQL, useLegacySql: false } });
  return { dataset, table };
}

let seq = 0;
function change(document: string, operation: string, version: string, data: unknown = { uid: `u-${document}` }, extra: Record<string, unknown> = {}) {
  const eventId = `evt-${++seq}`;
  return {
    insertId: eventId,
    json: {
      timestamp: version,
      event_id: eventId,
      document_name: `projects/${PROJECT}/databases/(default)/documents/answers/${document}`,
      document_id: document,
      operation,
      data: operation === "DELETE" ? null : JSON.stringify(data),
      old_data: null,
      path_params: JSON.stringify({ answerId: document }),
      version,
      ...extra,
    },
  };
}

const name = (document: string) => `projects/${PROJECT}/databases/(default)/documents/answers/${document}`;

describe("BigQuery stand-in through @google-cloud/bigquery", () => {
  let local: LocalBigQuery;
  let bq: BigQuery;
  let table: Table;

  /** Added to the stand-in's clock: a test steps time forward instead of sleeping, so a busy machine cannot shift it. */
  let skewMs = 0;

  beforeAll(async () => {
    local = await startBigQuery({ projectId: PROJECT, now: () => Date.now() + skewMs });
  });
  afterAll(async () => {
    await local.stop();
  });
  beforeEach(async () => {
    await local.clear();
    local.resetStats();
    bq = client(local);
    ({ table } = await ensureTables(bq));
  });
  afterEach(() => local.fault(false));

  it("creates the dataset, table and view once; a second get({autoCreate}) finds them", async () => {
    const again = await ensureTables(client(local));
    const [metadata] = await again.table.getMetadata();
    expect(metadata).toMatchObject({
      kind: "bigquery#table",
      type: "TABLE",
      tableReference: { projectId: PROJECT, datasetId: DATASET, tableId: CHANGELOG },
      timePartitioning: { type: "DAY", field: "timestamp" },
      clustering: { fields: ["document_name"] },
    });
    expect(metadata.schema.fields.map((f: TableField) => `${f.name}:${f.type}:${f.mode}`)).toEqual(SCHEMA.map((f) => `${f.name}:${f.type}:${f.mode}`));
    const [view] = await again.dataset.table(LATEST).getMetadata();
    expect(view).toMatchObject({ type: "VIEW", view: { query: LATEST_SQL, useLegacySql: false } });
    const [tables] = await again.dataset.getTables();
    expect(tables.map((t) => t.id).sort()).toEqual([CHANGELOG, LATEST]);
  });

  it("answers BigQuery's errors: 409 on a second create, 404 for a missing dataset or table", async () => {
    await expect(bq.createDataset(DATASET)).rejects.toMatchObject({ code: 409, errors: [{ reason: "duplicate" }] });
    await expect(bq.dataset(DATASET).createTable(CHANGELOG, { schema: SCHEMA })).rejects.toMatchObject({ code: 409 });
    await expect(bq.dataset("nope").get()).rejects.toMatchObject({ code: 404, errors: [{ reason: "notFound" }] });
    await expect(bq.dataset(DATASET).table("nope").get()).rejects.toMatchObject({ code: 404 });
    const [exists] = await bq.dataset(DATASET).table("nope").exists();
    expect(exists).toBe(false);
  });

  it("round-trips rows, TIMESTAMPs to the microsecond", async () => {
    const row = change("a1", "CREATE", "2024-05-01T12:34:56.123456Z", { uid: "u1", score: 3 });
    await table.insert([row], { raw: true });
    const [rows] = await bq.query({ query: `SELECT * FROM \`${PROJECT}.${DATASET}.${CHANGELOG}\`` });
    expect(rows).toHaveLength(1);
    expect(rows[0].version).toEqual(bq.timestamp("2024-05-01T12:34:56.123456Z"));
    expect(rows[0].version.value).toBe("2024-05-01T12:34:56.123456000Z");
    expect(rows[0]).toMatchObject({ event_id: row.insertId, operation: "CREATE", data: '{"uid":"u1","score":3}', old_data: null });
    // other accepted forms: offsets, space separator, fewer digits, epoch seconds
    await table.insert(
      [
        change("a2", "CREATE", "2024-05-01 14:34:56.5+02:00"),
        { ...change("a3", "CREATE", "2024-05-01T12:34:56Z"), json: { ...change("a3", "CREATE", "x").json, timestamp: 1714566896.25, version: "2024-05-01T12:34:56Z" } },
      ],
      { raw: true },
    );
    const stored = await local.query(`SELECT document_id, timestamp, version FROM ${DATASET}.${CHANGELOG} WHERE document_id != 'a1' ORDER BY document_id`);
    expect(stored).toEqual([
      { document_id: "a2", timestamp: "2024-05-01T12:34:56.500000Z", version: "2024-05-01T12:34:56.500000Z" },
      { document_id: "a3", timestamp: "2024-05-01T12:34:56.250000Z", version: "2024-05-01T12:34:56.000000Z" },
    ]);
    // TIMESTAMP parameters compare at full precision
    const [later] = await bq.query({
      query: `SELECT document_id FROM \`${PROJECT}.${DATASET}.${CHANGELOG}\` WHERE version > @since ORDER BY document_id`,
      params: { since: bq.timestamp("2024-05-01T12:34:56.123455Z") },
    });
    expect(later.map((r) => r.document_id)).toEqual(["a1", "a2"]);
  });

  it("drops a row whose insertId it accepted within the window", async () => {
    const row = change("d1", "CREATE", "2024-05-01T00:00:00.000001Z");
    await table.insert([row], { raw: true });
    await table.insert([row, row], { raw: true });
    expect(await local.query(`SELECT COUNT(*) AS n FROM ${DATASET}.${CHANGELOG}`)).toEqual([{ n: 1 }]);
    expect(local.stats()).toMatchObject({ insertAllRequests: 2, rowsReceived: 3, rowsInserted: 1, rowsDeduplicated: 2, rowsRejected: 0 });
  });

  it("accepts the same insertId again once the window has passed", async () => {
    let shortSkewMs = 0;
    const short = await startBigQuery({ projectId: PROJECT, now: () => Date.now() + shortSkewMs });
    try {
      const { table: t } = await ensureTables(client(short));
      const row = change("d2", "CREATE", "2024-05-01T00:00:00Z");
      await t.insert([row], { raw: true });
      await t.insert([row], { raw: true });
      shortSkewMs += 61_000; // past the 60 s window
      await t.insert([row], { raw: true });
      expect(await short.query(`SELECT COUNT(*) AS n FROM ${DATASET}.${CHANGELOG}`)).toEqual([{ n: 2 }]);
      expect(short.stats()).toMatchObject({ rowsInserted: 2, rowsDeduplicated: 1 });
    } finally {
      await short.stop();
    }
  });

  it("rejects rows that do not match the schema with insertErrors, storing none of the request's rows", async () => {
    const good = change("ok", "CREATE", "2024-05-01T00:00:00Z");
    const unknown = change("e1", "CREATE", "2024-05-01T00:00:00Z", {}, { colour: "red" });
    const wrongType = change("e2", "CREATE", "2024-05-01T00:00:00Z", {}, { version: "yesterday" });
    const { document_id: _omitted, ...missing } = change("e3", "CREATE", "2024-05-01T00:00:00Z").json;
    const rows = [good, unknown, wrongType, { insertId: "e3", json: missing }];

    const error = await table.insert(rows, { raw: true, partialRetries: 0 }).then(
      () => undefined,
      (e: unknown) => e as { name: string; errors: { row: unknown; errors: { reason: string; message: string }[] }[] },
    );
    expect(error?.name).toBe("PartialFailureError");
    expect(error!.errors).toEqual([
      { row: good, errors: [{ reason: "stopped", message: "" }] },
      { row: unknown, errors: [{ reason: "invalid", message: "no such field: colour." }] },
      { row: wrongType, errors: [{ reason: "invalid", message: expect.stringMatching(/^Cannot convert value to timestamp/) }] },
      { row: rows[3], errors: [{ reason: "invalid", message: "Missing required field: document_id." }] },
    ]);
    expect(await local.query(`SELECT COUNT(*) AS n FROM ${DATASET}.${CHANGELOG}`)).toEqual([{ n: 0 }]);
    expect(local.stats()).toMatchObject({ insertAllRequests: 1, rowsReceived: 4, rowsInserted: 0, rowsRejected: 4 });

    // the stopped row's insertId was not consumed: it goes in on its own
    await table.insert([good], { raw: true });
    expect(await local.query(`SELECT document_id FROM ${DATASET}.${CHANGELOG}`)).toEqual([{ document_id: "ok" }]);
  });

  it("with the client's default partialRetries, resends the failed rows three more times before throwing", async () => {
    const wrongType = change("e4", "CREATE", "2024-05-01T00:00:00Z", {}, { timestamp: { seconds: 1 } });
    await expect(table.insert([wrongType], { raw: true })).rejects.toMatchObject({ name: "PartialFailureError" });
    expect(local.stats()).toMatchObject({ insertAllRequests: 4, rowsRejected: 4 });
  });

  it("with skipInvalidRows, stores the valid rows and reports the invalid ones", async () => {
    const good = change("ok2", "CREATE", "2024-05-01T00:00:00Z");
    const bad = change("bad", "CREATE", "2024-05-01T00:00:00Z", {}, { operation: null });
    await expect(table.insert([good, bad], { raw: true, skipInvalidRows: true, partialRetries: 0 })).rejects.toMatchObject({
      errors: [{ row: bad, errors: [{ reason: "invalid", message: "Missing required field: operation." }] }],
    });
    expect(await local.query(`SELECT document_id FROM ${DATASET}.${CHANGELOG}`)).toEqual([{ document_id: "ok2" }]);
    // ignoreUnknownValues drops unknown fields instead of rejecting the row
    await table.insert([change("ok3", "CREATE", "2024-05-01T00:00:00Z", {}, { colour: "red" })], { raw: true, ignoreUnknownValues: true });
    expect(await local.query(`SELECT COUNT(*) AS n FROM ${DATASET}.${CHANGELOG}`)).toEqual([{ n: 2 }]);
  });

  it("the latest view keeps the highest version per document and hides deletes, whatever the arrival order", async () => {
    await table.insert(
      [
        // a: updated twice; the older version arrives last
        change("a", "UPDATE", "2024-05-01T00:00:02.000002Z", { v: 3 }),
        change("a", "CREATE", "2024-05-01T00:00:00Z", { v: 1 }),
        change("a", "UPDATE", "2024-05-01T00:00:01Z", { v: 2 }),
        // b: deleted, then a stale update arrives
        change("b", "CREATE", "2024-05-01T00:00:00Z", { v: 1 }),
        change("b", "DELETE", "2024-05-01T00:00:05Z"),
        change("b", "UPDATE", "2024-05-01T00:00:03Z", { v: 2 }),
        // c: created once
        change("c", "IMPORT", "2024-05-01T00:00:00Z", { v: 1 }),
        // d: deleted and re-created at a later version
        change("d", "DELETE", "2024-05-01T00:00:01Z"),
        change("d", "CREATE", "2024-05-01T00:00:02Z", { v: 9 }),
      ],
      { raw: true },
    );
    const [rows] = await bq.query(`SELECT document_name, data, version FROM \`${PROJECT}.${DATASET}.${LATEST}\` ORDER BY document_name`);
    expect(rows.map((r) => [r.document_name, r.data, r.version.value])).toEqual([
      [name("a"), '{"v":3}', "2024-05-01T00:00:02.000002000Z"],
      // (the client's BigQueryTimestamp drops trailing zeros below the millisecond)
      [name("c"), '{"v":1}', "2024-05-01T00:00:00.000Z"],
      [name("d"), '{"v":9}', "2024-05-01T00:00:02.000Z"],
    ]);
    // the view's columns are the changelog's, without rn
    const [view] = await bq.dataset(DATASET).table(LATEST).getMetadata();
    expect(view.schema.fields.map((f: TableField) => f.name)).toEqual(SCHEMA.map((f) => f.name));
  });

  it("runs named parameters, COUNT, JSON_VALUE and reconcile-style pages", async () => {
    const rows = Array.from({ length: 25 }, (_, i) => change(`doc-${String(i).padStart(2, "0")}`, "CREATE", "2024-05-01T00:00:00Z", { uid: `u${i % 3}` }));
    await table.insert(rows, { raw: true });
    const latest = `\`${PROJECT}.${DATASET}.${LATEST}\``;

    const [one] = await bq.query({ query: `SELECT document_id, JSON_VALUE(data, '$.uid') AS uid FROM ${latest} WHERE document_name = @name`, params: { name: name("doc-07") } });
    expect(one).toEqual([{ document_id: "doc-07", uid: "u1" }]);

    const [[count]] = await bq.query(`SELECT COUNT(*) AS n FROM ${latest}`);
    expect(count).toEqual({ n: 25 });
    const [byUid] = await bq.query({ query: `SELECT JSON_VALUE(data, '$.uid') AS uid, COUNT(*) AS n FROM ${latest} WHERE JSON_VALUE(data, '$.uid') IN UNNEST(@uids) GROUP BY uid ORDER BY uid`, params: { uids: ["u0", "u2"] } });
    expect(byUid).toEqual([{ uid: "u0", n: 9 }, { uid: "u2", n: 8 }]);

    const pages: number[] = [];
    let after = "";
    for (;;) {
      const [page] = await bq.query({ query: `SELECT document_name FROM ${latest} WHERE document_name > @after ORDER BY document_name LIMIT 10`, params: { after } });
      if (!page.length) break;
      pages.push(page.length);
      after = page[page.length - 1].document_name;
    }
    expect(pages).toEqual([10, 10, 5]);
    expect(after).toBe(name("doc-24"));
    expect(local.stats().queries).toBe(7);

    // NULLs sort as in BigQuery: first ascending, last descending
    const nulls = "SELECT x FROM (SELECT 2 AS x UNION ALL SELECT NULL UNION ALL SELECT 1) ORDER BY x";
    expect((await local.query(nulls)).map((r) => r["x"])).toEqual([null, 1, 2]);
    expect((await local.query(`${nulls} DESC`)).map((r) => r["x"])).toEqual([2, 1, null]);
  });

  it("pages results with maxResults through getQueryResults, and lists rows with getRows", async () => {
    await table.insert(Array.from({ length: 7 }, (_, i) => change(`p${i}`, "CREATE", "2024-05-01T00:00:00Z")), { raw: true });
    const [rows] = await bq.query({ query: `SELECT document_id FROM \`${DATASET}.${CHANGELOG}\` ORDER BY document_id`, maxResults: 3 });
    expect(rows.map((r) => r.document_id)).toEqual(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
    const [listed] = await table.getRows();
    expect(listed).toHaveLength(7);
    expect(listed[0]!.version).toEqual(bq.timestamp("2024-05-01T00:00:00Z"));
  });

  it("when a DELETE would touch a row still in the streaming buffer, then it is refused whole; once the buffer has passed, it deletes and counts", async () => {
    await table.insert([change("old-1", "CREATE", "2024-05-01T00:00:00Z"), change("keep", "CREATE", "2024-05-01T00:00:00Z")], { raw: true });
    skewMs += 31 * 60_000;
    await table.insert([change("new-1", "CREATE", "2024-05-01T00:00:01Z"), change("new-2", "CREATE", "2024-05-01T00:00:02Z")], { raw: true });
    // The first rows were streamed longer ago than the buffer lasts (30 minutes), the others not.
    const remove = (ids: string[]) => bq.query({ query: `DELETE FROM \`${DATASET}.${CHANGELOG}\` WHERE document_id IN UNNEST(@ids)`, params: { ids } });
    const deletedBefore = local.dmlDeletedRows();

    await expect(remove(["old-1", "new-2"])).rejects.toMatchObject({ code: 400, message: expect.stringMatching(/would affect rows in the streaming buffer/) });
    expect(local.dmlDeletedRows()).toBe(deletedBefore);
    await remove(["old-1"]);

    expect(local.dmlDeletedRows() - deletedBefore).toBe(1);
    skewMs += 31 * 60_000;
    await remove(["new-1", "new-2"]);
    expect(local.dmlDeletedRows() - deletedBefore).toBe(3);
    expect((await local.query(`SELECT document_id FROM ${DATASET}.${CHANGELOG}`)).map((r) => r["document_id"])).toEqual(["keep"]);
  });

  it("when a view's query is patched (setMetadata), then it reads the new definition and reports the new schema", async () => {
    const view = bq.dataset(DATASET).table("patched_view");
    await view.create({ view: { query: `SELECT document_id FROM \`${DATASET}.${CHANGELOG}\``, useLegacySql: false } });
    await table.insert([change("p1", "CREATE", "2024-05-01T00:00:00Z")], { raw: true });

    await view.setMetadata({ view: { query: `SELECT document_id, operation FROM \`${DATASET}.${CHANGELOG}\``, useLegacySql: false } });

    const [metadata] = await view.getMetadata();
    expect((metadata as { schema: { fields: { name: string }[] } }).schema.fields.map((field) => field.name)).toEqual(["document_id", "operation"]);
    expect(await local.query(`SELECT * FROM ${DATASET}.patched_view`)).toEqual([{ document_id: "p1", operation: "CREATE" }]);
    await expect(table.setMetadata({ schema: { fields: [] } })).rejects.toMatchObject({ code: 400 });
  });

  it("answers unsupported SQL with a 400 and a missing table with a 404", async () => {
    await expect(bq.query("UPDATE learnpulse.answers_raw_changelog SET data = NULL WHERE true")).rejects.toMatchObject({
      code: 400,
      errors: [{ reason: "invalidQuery" }],
      message: expect.stringMatching(/only SELECT queries and DELETE statements are supported/),
    });
    await expect(bq.query(`DELETE FROM ${DATASET}.${CHANGELOG}`)).rejects.toMatchObject({ code: 400, message: expect.stringMatching(/DELETE must have a WHERE clause/) });
    await expect(bq.query("SELECT nonsense(1)")).rejects.toMatchObject({ code: 400, message: expect.stringMatching(/DuckDB/) });
    await expect(bq.query(`SELECT 1 FROM \`${PROJECT}.${DATASET}.missing\``)).rejects.toMatchObject({ code: 404, errors: [{ reason: "notFound" }] });
    await expect(bq.query({ query: "SELECT @x AS x", params: {} })).rejects.toMatchObject({ code: 400 });
  });

  describe("faults make the client reject, and clear", () => {
    // retryOptions.autoRetry false: the client's default retries (3, with backoff) would only slow these down
    const select = async (b: BigQuery) => (await b.query(`SELECT COUNT(*) AS n FROM \`${PROJECT}.${DATASET}.${CHANGELOG}\``))[0];
    const noRetry = { retryOptions: { autoRetry: false } };

    it("refuse", async () => {
      const quick = client(local, noRetry);
      local.fault("refuse");
      await expect(select(quick)).rejects.toMatchObject({ code: "ECONNRESET" });
      await expect(quick.dataset(DATASET).table(CHANGELOG).insert([change("f", "CREATE", "2024-05-01T00:00:00Z")], { raw: true })).rejects.toThrow(/socket hang up|ECONNRESET/);
      local.fault(false);
      await expect(select(quick)).resolves.toEqual([{ n: 0 }]);
    });

    it("timeout: the client never gives up by itself (its `timeout` option is ignored); the held call fails when the fault clears", async () => {
      const quick = client(local, { ...noRetry, timeout: 200 });
      local.fault("timeout");
      const held = select(quick);
      const outcome = await Promise.race([held.then(() => "answered", () => "rejected"), new Promise((resolve) => setTimeout(() => resolve("still waiting"), 1_000))]);
      expect(outcome).toBe("still waiting");
      local.fault(false);
      await expect(held).rejects.toThrow(/socket hang up|ECONNRESET/);
      await expect(select(quick)).resolves.toEqual([{ n: 0 }]);
    });

    it("error (503 backendError), for queries and inserts", async () => {
      const quick = client(local, noRetry);
      local.fault("error");
      await expect(select(quick)).rejects.toMatchObject({ code: 503, errors: [{ reason: "backendError" }] });
      await expect(quick.dataset(DATASET).table(CHANGELOG).insert([change("f", "CREATE", "2024-05-01T00:00:00Z")], { raw: true })).rejects.toMatchObject({ code: 503 });
      local.fault(false);
      await expect(select(quick)).resolves.toEqual([{ n: 0 }]);
      expect(local.stats()).toMatchObject({ insertAllRequests: 0, queries: 1 });
    });
  });

  describe("BIGQUERY_EMULATOR_HOST (the client reads it itself and uses it verbatim as its base URL)", () => {
    const saved = process.env["BIGQUERY_EMULATOR_HOST"];
    afterEach(() => {
      if (saved === undefined) delete process.env["BIGQUERY_EMULATOR_HOST"];
      else process.env["BIGQUERY_EMULATOR_HOST"] = saved;
    });

    it("works when set to the URL (apiEndpoint)", async () => {
      process.env["BIGQUERY_EMULATOR_HOST"] = local.apiEndpoint;
      const [rows] = await client(local).query(`SELECT COUNT(*) AS n FROM \`${PROJECT}.${DATASET}.${CHANGELOG}\``);
      expect(rows).toEqual([{ n: 0 }]);
    });

    it("breaks every call when set to bare host:port, whatever apiEndpoint says", async () => {
      const authClient = new OAuth2Client();
      authClient.setCredentials({ access_token: "local", expiry_date: Date.now() + 3600e3 });
      process.env["BIGQUERY_EMULATOR_HOST"] = local.host;
      const bq = new BigQuery({ projectId: local.projectId, apiEndpoint: local.apiEndpoint, authClient, retryOptions: { autoRetry: false } });
      await expect(bq.query("SELECT 1")).rejects.toThrow(/Invalid URL/);
    });
  });

  it("measures a 1,000-row insertAll and a latest-view query over 10,000 rows", async () => {
    const batches = Array.from({ length: 10 }, (_, b) =>
      Array.from({ length: 1000 }, (_, i) => {
        const doc = `t${String(((b * 1000 + i) % 5000)).padStart(5, "0")}`;
        return change(doc, b < 5 ? "CREATE" : "UPDATE", `2024-05-01T00:00:0${b < 5 ? 0 : 1}.${String(i).padStart(6, "0")}Z`, { uid: `u${i % 50}`, b });
      }),
    );
    const insertMs: number[] = [];
    for (const rows of batches) {
      const started = performance.now();
      await table.insert(rows, { raw: true });
      insertMs.push(performance.now() - started);
    }
    const started = performance.now();
    const [rows] = await bq.query(`SELECT document_name, data, version FROM \`${PROJECT}.${DATASET}.${LATEST}\` ORDER BY document_name`);
    const queryMs = performance.now() - started;
    expect(rows).toHaveLength(5000);
    expect(local.stats().rowsInserted).toBe(10_000);
    const sorted = [...insertMs].sort((a, b) => a - b);
    console.log(
      `[bigquery stand-in] insertAll of 1,000 rows: median ${sorted[5]!.toFixed(0)} ms (first ${insertMs[0]!.toFixed(0)} ms, max ${sorted[9]!.toFixed(0)} ms); ` +
        `latest-view query over 10,000 rows → 5,000 rows: ${queryMs.toFixed(0)} ms`,
    );
  });
});
