/**
 * Personal data that functions/test/security/pii-canaries.integration.test.ts plants in requests — as headers, in
 * payloads, in answers — and that the log audit (logs.audit.test.ts) must never find in the functions' log.
 * Distinctive strings found nowhere else, in documentation ranges (RFC 5737, RFC 3849) and example.com.
 */
export const PII_CANARIES = {
  email: "pii-canary.7f3a@example.com",
  ipv4: "198.51.100.77",
  ipv6: "2001:db8:7f3a:42::77",
  userAgent: "Mozilla/5.0 (X11; Linux x86_64; contact pii-canary.7f3a@example.com) LearnPulseCanary/7f3a",
  essay: "PII canary essay 7f3a: my private reflection that no log line may hold",
  shortAnswer: "pii canary short answer 7f3a",
} as const;
