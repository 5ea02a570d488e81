/** count(), sum() and avg() over a query's documents, as RunAggregationQuery answers them. */
import type { StructuredAggregationQueryAggregation } from "@firestore-emulator/proto/dist/google/firestore/v1/query.js";
import type { StoredDoc } from "./apply-write.ts";
import { getField } from "./field-paths.ts";
import { toProtoValue, type ProtoValueObject, type RestValue } from "./values.ts";

export function aggregate(docs: StoredDoc[], aggregations: StructuredAggregationQueryAggregation[]): Record<string, ProtoValueObject> {
  return Object.fromEntries(aggregations.map((agg) => [agg.alias, toProtoValue(aggregateOne(docs, agg))]));
}

function aggregateOne(docs: StoredDoc[], agg: StructuredAggregationQueryAggregation): RestValue {
  if (agg.has_count) {
    const upTo = agg.count.has_up_to ? agg.count.up_to.value : Infinity;
    return { integerValue: String(Math.min(docs.length, upTo)) };
  }
  const field = agg.has_sum ? agg.sum.field.field_path : agg.avg.field.field_path;
  const numbers = docs.map((doc) => getField(doc.fields, field)).filter((v) => v && ("integerValue" in v || "doubleValue" in v));
  if (agg.has_avg) {
    if (numbers.length === 0) return { nullValue: null };
    return { doubleValue: numbers.reduce((sum, v) => sum + toNumber(v), 0) / numbers.length };
  }
  // sum stays an integer while every operand is one and it fits in int64, as in Firestore.
  if (numbers.every((v) => v && "integerValue" in v)) {
    const total = numbers.reduce((sum, v) => sum + BigInt(v && "integerValue" in v ? v.integerValue : 0), 0n);
    if (total <= 2n ** 63n - 1n && total >= -(2n ** 63n)) return { integerValue: total.toString() };
  }
  return { doubleValue: numbers.reduce((sum, v) => sum + toNumber(v), 0) };
}

const toNumber = (v: RestValue | undefined) =>
  v && "integerValue" in v ? Number(v.integerValue) : v && "doubleValue" in v ? v.doubleValue : 0;
