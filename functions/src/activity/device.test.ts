import { describe, expect, it } from "vitest";
import { networkOf } from "../personal-data.js";
import { deviceContextOf, platformOf } from "./device.js";

describe("device context", () => {
  it.each([
    ["203.0.113.77", "203.0.113.0/24"],
    ["::ffff:198.51.100.9", "198.51.100.0/24"],
    ["2001:db8:abcd:12::1", "2001:db8:abcd::/48"],
    ["2001:0db8:0000::1", "2001:db8:0::/48"],
    ["not-an-ip", null],
    ["", null],
  ])("when the address is %s, then only its network %s is kept", (address, network) => {
    expect(networkOf(address)).toBe(network);
  });

  it.each([
    [undefined, "Mozilla/5.0 (Linux; Android 14; Pixel 8)", "android"],
    [undefined, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)", "ios"],
    ['"Windows"', "Mozilla/5.0", "windows"],
    [undefined, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)", "macos"],
    [undefined, null, "other"],
  ])("when the hint is %s and the agent %s, then the platform is %s", (hint, agent, platform) => {
    expect(platformOf(hint, agent)).toBe(platform);
  });

  it("when a request comes through a proxy, then the first forwarded address is used, truncated, and the agent is capped", () => {
    const context = deviceContextOf({
      headers: { "x-forwarded-for": "192.0.2.44, 10.0.0.1", "user-agent": "x".repeat(1_000) },
      socket: { remoteAddress: "127.0.0.1" },
    });
    expect(context.ipNetwork).toBe("192.0.2.0/24");
    expect(context.userAgent).toHaveLength(256);
    expect(JSON.stringify(context)).not.toContain("192.0.2.44");
  });
});
