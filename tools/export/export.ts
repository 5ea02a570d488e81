/**
 * `npm run export -- --uid U [--out file.ndjson]`: one learner's data (the right of access, for an operator answering
 * a request by mail, say), every section of exportMyData paged through the same code (functions/src/rights/export.ts),
 * one JSON line per document: `{"section", "path", "data"}`. Progress goes to stderr, the lines to `--out` or stdout.
 * It uses the product's adapters, so it reaches whatever the environment names: the local stack (export the env
 * `npm start` prints) or production (Google credentials in the environment).
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { applyParamDefaults, closeFunctionClients } from "@learnpulse/local-stack/functions-module.ts";
import { firestoreKit } from "../../functions/lib/adapters/firestore.js";
import { exportSection } from "../../functions/lib/rights/export.js";
import { ID_PATTERN } from "../../functions/lib/schemas/common.js";
import { EXPORT_SECTIONS } from "../../functions/lib/schemas/rights.js";

const USAGE = "usage: npm run export -- --uid <uid> [--out file.ndjson]";

const { values } = parseArgs({ options: { uid: { type: "string" }, out: { type: "string" } } });
if (!values.uid || !ID_PATTERN.test(values.uid)) {
  console.error(USAGE);
  process.exit(2);
}
const uid = values.uid;

await applyParamDefaults();
const out: NodeJS.WritableStream | WriteStream = values.out ? createWriteStream(values.out) : process.stdout;
const write = (line: string) => new Promise<void>((resolve, reject) => out.write(line, (error) => (error ? reject(error) : resolve())));
const started = Date.now();
let documents = 0;

try {
  const { db } = await firestoreKit();
  for (const section of EXPORT_SECTIONS) {
    let cursor: string | undefined;
    do {
      const page = await exportSection(db, uid, section, cursor);
      for (const item of page.items) await write(`${JSON.stringify({ section, ...item })}\n`);
      documents += page.items.length;
      cursor = page.nextCursor ?? undefined;
      process.stderr.write(`\rexport ${uid}: ${section} · ${documents} documents · ${Math.round((Date.now() - started) / 1000)} s   `);
    } while (cursor);
  }
  process.stderr.write(`\nexported ${documents} documents of ${uid}${values.out ? ` to ${values.out}` : ""}\n`);
} finally {
  if (values.out) await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
  await closeFunctionClients();
}
