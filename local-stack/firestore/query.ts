/**
 * StructuredQuery evaluation with Firestore's semantics: collection groups at any depth, filters on nested fields
 * and on __name__, the implicit order (inequality fields, then __name__), cursors by value, offset and limit.
 * The package only scanned one top-level collection, compared top-level fields and ignored cursors and offset.
 */
import {
  StructuredQueryCompositeFilterOperator as Composite,
  StructuredQueryDirection as Direction,
  StructuredQueryFieldFilterOperator as Op,
  StructuredQueryUnaryFilterOperator as Unary,
  type Cursor,
  type StructuredQuery,
  type StructuredQueryFieldFilter,
  type StructuredQueryFilter,
} from "@firestore-emulator/proto/dist/google/firestore/v1/query.js";
import type { StoredDoc } from "./apply-write.ts";
import { getField, projectFields } from "./field-paths.ts";
import type { DocumentStore } from "./store.ts";
import { compareResourcePaths, compareValues, fromProtoValue, isNaNValue, typeOrder, type RestValue } from "./values.ts";

const NAME = "__name__";
const INEQUALITIES = new Set([Op.LESS_THAN, Op.LESS_THAN_OR_EQUAL, Op.GREATER_THAN, Op.GREATER_THAN_OR_EQUAL, Op.NOT_EQUAL, Op.NOT_IN]);

interface Order {
  field: string;
  descending: boolean;
}

export function runQuery(store: DocumentStore, parent: string, query: StructuredQuery): StoredDoc[] {
  const orders = effectiveOrder(query);
  let docs = selectCollection(store, parent, query)
    .filter((doc) => !query.has_where || matches(doc, query.where))
    // Ordering by a field excludes documents without it.
    .filter((doc) => orders.every(({ field }) => valueOf(doc, field) !== undefined))
    .sort((a, b) => compareByOrder(a, b, orders));
  if (query.has_start_at) docs = docs.filter((doc) => afterStart(doc, query.start_at, orders));
  if (query.has_end_at) docs = docs.filter((doc) => beforeEnd(doc, query.end_at, orders));
  docs = docs.slice(query.offset || 0);
  if (query.has_limit) docs = docs.slice(0, query.limit.value);
  const projection = query.has_select ? query.select.fields.map((f) => f.field_path).filter((f) => f !== NAME) : null;
  return projection ? docs.map((doc) => ({ ...doc, fields: projectFields(doc.fields, projection) })) : docs;
}

/** A collection id at `parent`, or with all_descendants every collection with that id below it (any id if empty). */
function selectCollection(store: DocumentStore, parent: string, query: StructuredQuery): StoredDoc[] {
  const from = query.from[0];
  if (!from) return [];
  if (!from.all_descendants) return [...store.inCollection(`${parent}/${from.collection_id}`)];
  const prefix = `${parent}/`;
  return [...store.all()].filter((doc) => {
    if (!doc.name.startsWith(prefix)) return false;
    const segments = doc.name.split("/");
    return from.collection_id === "" || segments[segments.length - 2] === from.collection_id;
  });
}

function valueOf(doc: StoredDoc, field: string): RestValue | undefined {
  return field === NAME ? { referenceValue: doc.name } : getField(doc.fields, field);
}

function matches(doc: StoredDoc, filter: StructuredQueryFilter): boolean {
  if (filter.has_composite_filter) {
    const { op, filters } = filter.composite_filter;
    return op === Composite.OR ? filters.some((f) => matches(doc, f)) : filters.every((f) => matches(doc, f));
  }
  if (filter.has_field_filter) return matchesField(valueOf(doc, filter.field_filter.field.field_path), filter.field_filter);
  if (filter.has_unary_filter) {
    const value = valueOf(doc, filter.unary_filter.field.field_path);
    if (value === undefined) return false;
    switch (filter.unary_filter.op) {
      case Unary.IS_NAN:
        return isNaNValue(value);
      case Unary.IS_NULL:
        return "nullValue" in value;
      case Unary.IS_NOT_NAN:
        return !isNaNValue(value) && !("nullValue" in value);
      case Unary.IS_NOT_NULL:
        return !("nullValue" in value);
    }
  }
  return true;
}

/** Same rules as the Firestore SDKs' client-side matching: comparisons stay within one type; != and not-in skip null. */
function matchesField(value: RestValue | undefined, filter: StructuredQueryFieldFilter): boolean {
  if (value === undefined) return false;
  const operand = fromProtoValue(filter.value);
  const list = "arrayValue" in operand ? operand.arrayValue.values : [];
  const sameType = typeOrder(value) === typeOrder(operand);
  const cmp = () => compareValues(value, operand);
  switch (filter.op) {
    case Op.EQUAL:
      return sameType && cmp() === 0;
    case Op.NOT_EQUAL:
      return !("nullValue" in value) && cmp() !== 0;
    case Op.LESS_THAN:
      return sameType && cmp() < 0;
    case Op.LESS_THAN_OR_EQUAL:
      return sameType && cmp() <= 0;
    case Op.GREATER_THAN:
      return sameType && cmp() > 0;
    case Op.GREATER_THAN_OR_EQUAL:
      return sameType && cmp() >= 0;
    case Op.IN:
      return list.some((item) => compareValues(value, item) === 0);
    case Op.NOT_IN:
      return !("nullValue" in value) && !list.some((item) => compareValues(value, item) === 0);
    case Op.ARRAY_CONTAINS:
      return "arrayValue" in value && value.arrayValue.values.some((item) => compareValues(item, operand) === 0);
    case Op.ARRAY_CONTAINS_ANY:
      return "arrayValue" in value && value.arrayValue.values.some((item) => list.some((x) => compareValues(item, x) === 0));
    default:
      throw new Error(`unsupported filter operator ${filter.op}`);
  }
}

/** Explicit orders, then inequality-filtered fields, then __name__ in the direction of the last order. */
function effectiveOrder(query: StructuredQuery): Order[] {
  const orders: Order[] = query.order_by.map((o) => ({ field: o.field.field_path, descending: o.direction === Direction.DESCENDING }));
  const named = new Set(orders.map((o) => o.field));
  const inequalities = query.has_where ? inequalityFields(query.where).filter((f) => !named.has(f)).sort() : [];
  for (const field of new Set(inequalities)) orders.push({ field, descending: false });
  if (!orders.some((o) => o.field === NAME)) orders.push({ field: NAME, descending: orders.at(-1)?.descending ?? false });
  return orders;
}

function inequalityFields(filter: StructuredQueryFilter): string[] {
  if (filter.has_composite_filter) return filter.composite_filter.filters.flatMap(inequalityFields);
  if (filter.has_field_filter && INEQUALITIES.has(filter.field_filter.op)) return [filter.field_filter.field.field_path];
  if (filter.has_unary_filter && [Unary.IS_NOT_NAN, Unary.IS_NOT_NULL].includes(filter.unary_filter.op)) {
    return [filter.unary_filter.field.field_path];
  }
  return [];
}

function compareByOrder(a: StoredDoc, b: StoredDoc, orders: Order[]): number {
  for (const { field, descending } of orders) {
    const c = field === NAME ? compareResourcePaths(a.name, b.name) : compareValues(valueOf(a, field)!, valueOf(b, field)!);
    if (c) return descending ? -c : c;
  }
  return 0;
}

/** Compares a document with a cursor position over the cursor's prefix of the order. */
function compareToCursor(doc: StoredDoc, cursor: Cursor, orders: Order[]): number {
  for (let i = 0; i < cursor.values.length; i++) {
    const order = orders[i];
    const position = cursor.values[i];
    if (!order || !position) break;
    const value = fromProtoValue(position);
    const c =
      order.field === NAME && "referenceValue" in value
        ? compareResourcePaths(doc.name, value.referenceValue)
        : compareValues(valueOf(doc, order.field)!, value);
    if (c) return order.descending ? -c : c;
  }
  return 0;
}

// Cursor.before: start_at before=true is startAt (inclusive), false is startAfter;
// end_at before=true is endBefore, false is endAt (inclusive).
const afterStart = (doc: StoredDoc, cursor: Cursor, orders: Order[]) => {
  const c = compareToCursor(doc, cursor, orders);
  return cursor.before ? c >= 0 : c > 0;
};

const beforeEnd = (doc: StoredDoc, cursor: Cursor, orders: Order[]) => {
  const c = compareToCursor(doc, cursor, orders);
  return cursor.before ? c < 0 : c <= 0;
};
