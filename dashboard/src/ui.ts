/** Small DOM helpers: no framework, the page is a handful of cards. */
import { callableErrorCode } from "../../client/src/api.ts";

type Child = Node | string;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** `m:ss` */
export function clock(seconds: number): string {
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

/** A callable's failure as `code: message`, with a hint where the fix is on this page. */
export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = callableErrorCode(error);
  if (!code) return message;
  return `${code}: ${message}${code === "permission-denied" ? ' — tick "admin claim" above' : ""}`;
}

/** Runs `task` every `ms`, never overlapping itself, only while the page is visible. */
export function every(ms: number, task: () => Promise<unknown>): void {
  let running = false;
  setInterval(() => {
    if (running || document.visibilityState === "hidden") return;
    running = true;
    void task().finally(() => (running = false));
  }, ms);
}

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return "never";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const text = seconds < 60 ? `${seconds} s ago` : seconds < 3600 ? `${Math.round(seconds / 60)} min ago` : `${Math.round(seconds / 3600)} h ago`;
  return `${new Date(iso).toLocaleTimeString()} (${text})`;
}
