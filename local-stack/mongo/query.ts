/** Filters, sorts, projections and aggregation pipelines through mingo, over the view form (values.ts). */
import { Aggregator, Query, find } from "mingo";
import type { Options } from "mingo/types";
import { asCommandError } from "./errors.ts";
import type { Entry } from "./store.ts";
import { cloneView, docView, isPlainObject, restoreTypes, type Doc } from "./values.ts";

/** `$where`, `$function` and `$accumulator` would run client-supplied JavaScript in the test process. */
const MINGO: Partial<Options> = { scriptEnabled: false };

export interface Selection {
  filter?: Doc;
  sort?: Doc;
  projection?: Doc;
  skip?: number;
  /** 0: no limit. */
  limit?: number;
}

export function matcher(filter: Doc | undefined): (entry: Entry) => boolean {
  if (!filter || Object.keys(filter).length === 0) return () => true;
  try {
    const query = new Query(docView(filter), MINGO);
    return (entry) => query.test(entry.view);
  } catch (error) {
    throw asCommandError(error);
  }
}

/** The stored documents a filter matches, sorted, skipped and limited. */
export function selectEntries(entries: Entry[], selection: Selection): Entry[] {
  try {
    const matches = entries.filter(matcher(selection.filter));
    const sort = selection.sort && Object.keys(selection.sort).length ? docView(selection.sort) : undefined;
    if (sort && "$natural" in sort) {
      if (sort.$natural === -1) matches.reverse();
    } else if (sort) {
      const byView = new Map(matches.map((entry) => [entry.view, entry]));
      const sorted = find(matches.map((entry) => entry.view), {}, undefined, MINGO).sort(sort).all();
      matches.splice(0, matches.length, ...sorted.map((view) => byView.get(view)!));
    }
    const skip = selection.skip ?? 0;
    return matches.slice(skip, selection.limit ? skip + selection.limit : undefined);
  } catch (error) {
    throw asCommandError(error);
  }
}

/** What a find returns: stored documents, or projected copies that keep their BSON types. */
export function select(entries: Entry[], selection: Selection): Doc[] {
  const docs = selectEntries(entries, selection).map((entry) => entry.doc);
  return selection.projection && Object.keys(selection.projection).length ? project(docs, selection.projection) : docs;
}

export function project(docs: Doc[], projection: Doc): Doc[] {
  try {
    const views = find(docs.map(docView), {}, docView(projection), MINGO).all();
    return views.map((view, i) => restoreTypes(view, docs[i], new Map()) as Doc);
  } catch (error) {
    throw asCommandError(error);
  }
}

/**
 * Runs a pipeline. Documents that pass through unchanged ($match, $sort, $limit, $skip) come back as stored, BSON
 * types included; documents a stage builds ($project, $group, …) come back in view form (numbers as JS numbers).
 */
export function aggregate(entries: Entry[], pipeline: Doc[], resolve: (collection: string) => Entry[]): Doc[] {
  try {
    const stages = pipeline.map(docView);
    // A leading $match runs against the stored views, so only matching documents are copied.
    const first = stages[0];
    const input = first && isPlainObject(first.$match) ? entries.filter(matcher(pipeline[0]!.$match as Doc)) : entries;
    const byCopy = new Map<Doc, Doc>();
    const copies = input.map((entry) => {
      const copy = cloneView(entry.view);
      byCopy.set(copy, entry.doc);
      return copy;
    });
    const collectionResolver = (name: string) => resolve(name).map((entry) => cloneView(entry.view));
    const output = new Aggregator(stages, { ...MINGO, collectionResolver }).run(copies) as Doc[];
    return output.map((doc) => byCopy.get(doc) ?? doc);
  } catch (error) {
    throw asCommandError(error);
  }
}
