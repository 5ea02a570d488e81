/** Turning zod failures into the field issues API.md promises (`details: [{path, message}]`). Pure. */
import type { z } from "zod";
import { InvalidInputError, type FieldIssue } from "./errors.js";

/** Parses with a strict schema; every failing field is named in the error's details, under `prefix` if given. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, data: unknown, prefix?: string): z.infer<Schema> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = toFieldIssues(parsed.error);
  throw new InvalidInputError(prefix ? issues.map((issue) => ({ ...issue, path: issue.path ? `${prefix}.${issue.path}` : prefix })) : issues);
}

export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: joinPath([...issue.path, key]), message: "unknown field" }))
      : [{ path: joinPath(issue.path), message: issue.message }],
  );
}

function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}
