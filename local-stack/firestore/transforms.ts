/**
 * Field transforms (increment, maximum, minimum, arrayUnion, arrayRemove, serverTimestamp), applied in order to the
 * document the write produced, each on the result of the previous one, at any (dotted) field path.
 * Semantics follow google.firestore.v1.DocumentTransform.FieldTransform.
 */
import type { DocumentTransformFieldTransform } from "@firestore-emulator/proto/dist/google/firestore/v1/write.js";
import { getAt, parseFieldPath, setAt } from "./field-paths.ts";
import { fromProtoValue, isNaNValue, numberOf, valuesEqual, type RestFields, type RestValue } from "./values.ts";

// DocumentTransform.FieldTransform.ServerValue.REQUEST_TIME
const REQUEST_TIME = 1;
// int64 bounds: an integer increment that overflows saturates at them.
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

export interface TransformOutcome {
  fields: RestFields;
  results: RestValue[];
}

export function applyTransforms(
  fields: RestFields,
  transforms: DocumentTransformFieldTransform[],
  commitTime: string,
): TransformOutcome {
  const results: RestValue[] = [];
  for (const transform of transforms) {
    const path = parseFieldPath(transform.field_path);
    const next = transformValue(getAt(fields, path), transform, commitTime);
    fields = setAt(fields, path, next);
    results.push(next);
  }
  return { fields, results };
}

function transformValue(current: RestValue | undefined, t: DocumentTransformFieldTransform, commitTime: string): RestValue {
  if (t.has_set_to_server_value) {
    if (t.set_to_server_value !== REQUEST_TIME) throw new Error(`unsupported server value ${t.set_to_server_value}`);
    return { timestampValue: commitTime };
  }
  if (t.has_increment) return increment(current, fromProtoValue(t.increment));
  if (t.has_maximum) return extreme(current, fromProtoValue(t.maximum), 1);
  if (t.has_minimum) return extreme(current, fromProtoValue(t.minimum), -1);
  // A missing or non-array field counts as an empty array for both array transforms.
  const array = current && "arrayValue" in current ? current.arrayValue.values : [];
  if (t.has_append_missing_elements) {
    const values = [...array];
    for (const element of t.append_missing_elements.values.map(fromProtoValue)) {
      if (!values.some((value) => valuesEqual(value, element))) values.push(element);
    }
    return { arrayValue: { values } };
  }
  if (t.has_remove_all_from_array) {
    const removed = t.remove_all_from_array.values.map(fromProtoValue);
    return { arrayValue: { values: array.filter((value) => !removed.some((r) => valuesEqual(value, r))) } };
  }
  throw new Error(`unsupported field transform ${JSON.stringify(t.toObject())}`);
}

/** A non-numeric or missing field is replaced by the operand, as if it had been 0. */
function increment(current: RestValue | undefined, operand: RestValue): RestValue {
  if (!current || numberOf(current) === undefined) return operand;
  if ("integerValue" in current && "integerValue" in operand) {
    const sum = BigInt(current.integerValue) + BigInt(operand.integerValue);
    const clamped = sum > INT64_MAX ? INT64_MAX : sum < INT64_MIN ? INT64_MIN : sum;
    return { integerValue: clamped.toString() };
  }
  return { doubleValue: (numberOf(current) ?? 0) + (numberOf(operand) ?? 0) };
}

/** maximum (direction 1) / minimum (-1): NaN wins, an equivalent operand leaves the stored value. */
function extreme(current: RestValue | undefined, operand: RestValue, direction: 1 | -1): RestValue {
  const stored = current && numberOf(current);
  if (current === undefined || stored === undefined) return operand;
  if (isNaNValue(current)) return current;
  if (isNaNValue(operand)) return operand;
  const given = numberOf(operand) ?? 0;
  return (given - stored) * direction > 0 ? operand : current;
}
