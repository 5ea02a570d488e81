/**
 * Domain errors (STYLE rule 8). Use cases throw these; only the callable wrapper (callable.ts) maps them to
 * HttpsError. Anything else that escapes a handler is unexpected: it is logged and answered `internal`, never leaked.
 */
import type { FunctionsErrorCode } from "firebase-functions/https";

/** One failing field of a rejected payload, as API.md promises it in `details`. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Base class: the code is the callable status a client sees; the message is safe to show. */
export abstract class DomainError extends Error {
  abstract readonly code: FunctionsErrorCode;
  readonly details?: unknown;

  constructor(message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class InvalidInputError extends DomainError {
  readonly code = "invalid-argument";
  declare readonly details: { issues: FieldIssue[] };

  constructor(issues: FieldIssue[]) {
    super(`Invalid request: ${issues.map((issue) => issue.path || "(root)").join(", ")}`, { issues });
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = "unauthenticated";
}

export class PermissionDeniedError extends DomainError {
  readonly code = "permission-denied";
}

export class NotFoundError extends DomainError {
  readonly code = "not-found";
}

export class PreconditionFailedError extends DomainError {
  readonly code = "failed-precondition";
}

export class RateLimitedError extends DomainError {
  readonly code = "resource-exhausted";
}

export class UnavailableError extends DomainError {
  readonly code = "unavailable";
}
