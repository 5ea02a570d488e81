/**
 * One named function per log event (STYLE rule 10), with structured fields through firebase-functions/logger.
 * Nothing personal goes in: uids are pseudonymous ids; payloads, answers, IPs and emails never appear.
 */
import * as logger from "firebase-functions/logger";

export interface RejectedCall {
  fn: string;
  code: string;
  fields?: string[];
}

/** A callable refused a request for an expected reason (bad input, no auth, no permission, ...). */
export function callRejected(fields: RejectedCall): void {
  logger.info("call.rejected", fields);
}

/** A callable failed unexpectedly; the cause is logged here and never sent to the client. */
export function callFailed(fields: { fn: string; error: unknown }): void {
  const { error } = fields;
  logger.error("call.failed", {
    fn: fields.fn,
    error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
  });
}

/** The emulator-only unverified-token mode was found switched on outside the emulator: every call is refused. */
export function unsafeTokenModeRefused(fields: { reason: string }): void {
  logger.error("security.unsafe_token_mode_refused", fields);
}
