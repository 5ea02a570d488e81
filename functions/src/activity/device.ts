/** The device context of an activity, from the request: coarse, and never the raw IP address. */
import { isIPv4, isIPv6 } from "node:net";
import type { DeviceContext } from "../schemas/activity.js";

export interface RequestLike {
  headers?: Record<string, string | string[] | undefined>;
  ip?: string;
  socket?: { remoteAddress?: string };
}

const MAX_USER_AGENT = 256;

export function deviceContextOf(request: RequestLike | undefined): DeviceContext {
  const header = (name: string) => {
    const value = request?.headers?.[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const userAgent = header("user-agent")?.slice(0, MAX_USER_AGENT) ?? null;
  // Cloud Run puts the client first in X-Forwarded-For.
  const ip = header("x-forwarded-for")?.split(",")[0]?.trim() || request?.ip || request?.socket?.remoteAddress || "";
  return { userAgent, platform: platformOf(header("sec-ch-ua-platform"), userAgent), ipNetwork: networkOf(ip) };
}

/** The platform from the client hint when sent, else from the user agent. */
export function platformOf(hint: string | undefined, userAgent: string | null): DeviceContext["platform"] {
  const text = `${hint ?? ""} ${userAgent ?? ""}`.toLowerCase();
  if (/android/.test(text)) return "android";
  if (/iphone|ipad|ipod|\bios\b/.test(text)) return "ios";
  if (/cros|chrome os/.test(text)) return "chromeos";
  if (/windows/.test(text)) return "windows";
  if (/mac ?os|macintosh/.test(text)) return "macos";
  if (/linux/.test(text)) return "linux";
  return "other";
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
