/** The device context of an activity, from the request: coarse, and never the raw IP address. */
import { networkOf } from "../personal-data.js";
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
