/**
 * Personal data that must never reach a log line: raw IP addresses (the network — IPv4 /24, IPv6 /48 — is kept
 * instead) and email addresses. Pure: logs.ts redacts free text (error messages) with it, and the log audit of the
 * test suite finds what slipped through with it.
 */
import { isIPv4, isIPv6 } from "node:net";

export interface PersonalDatum {
  kind: "email" | "ip";
  value: string;
  /** Where it starts in the text, and its length. */
  index: number;
  length: number;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}/g;
const IPV4 = /(?<![0-9.])\d{1,3}(?:\.\d{1,3}){3}(?![0-9]|\.\d)/g;
const IPV6 = /(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})(?![0-9A-Fa-f:]|\.\d)/g;
/** A network in CIDR form right after an address: `/24` after IPv4, `/48` after IPv6, or anything coarser, is fine. */
const PREFIX = /^\/(\d{1,3})(?!\d)/;
const COARSEST_KEPT = { ipv4: 24, ipv6: 48 };

/** Every raw IP address (not in network form) and email address in `text`, in order, overlaps removed. */
export function findPersonalData(text: string): PersonalDatum[] {
  const found: PersonalDatum[] = [];
  for (const match of text.matchAll(EMAIL)) found.push({ kind: "email", value: match[0], index: match.index, length: match[0].length });
  for (const [pattern, version] of [[IPV4, "ipv4"], [IPV6, "ipv6"]] as const) {
    for (const match of text.matchAll(pattern)) {
      const value = match[0];
      const valid = version === "ipv4" ? isIPv4(value) : isIPv6(value) && value !== "::";
      if (!valid) continue;
      const prefix = PREFIX.exec(text.slice(match.index + value.length))?.[1];
      if (prefix !== undefined && Number(prefix) <= COARSEST_KEPT[version]) continue; // already a network
      found.push({ kind: "ip", value, index: match.index, length: value.length });
    }
  }
  found.sort((a, b) => a.index - b.index || b.length - a.length);
  return found.filter((datum, i) => !found.slice(0, i).some((earlier) => datum.index < earlier.index + earlier.length));
}

/** `text` with every email replaced by `[email]` and every raw IP address by its network. */
export function redactPersonalData(text: string): string {
  let redacted = text;
  for (const datum of findPersonalData(text).reverse()) {
    const replacement = datum.kind === "email" ? "[email]" : (networkOf(datum.value) ?? "[ip]");
    redacted = redacted.slice(0, datum.index) + replacement + redacted.slice(datum.index + datum.length);
  }
  return redacted;
}

/** IPv4 → its /24, IPv6 → its /48 (an IPv4-mapped IPv6 address counts as IPv4); anything else → null. */
export function networkOf(address: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  if (isIPv4(ip)) return `${ip.split(".").slice(0, 3).join(".")}.0/24`;
  if (isIPv6(ip)) return `${expandIPv6(ip).slice(0, 3).join(":")}::/48`;
  return null;
}

function expandIPv6(ip: string): string[] {
  const [head = "", tail = ""] = ip.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  return groups.map((group) => (group.includes(".") ? group : group.toLowerCase().replace(/^0+(?=.)/, "")));
}
