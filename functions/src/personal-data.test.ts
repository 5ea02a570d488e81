import { describe, expect, it } from "vitest";
import { findPersonalData, redactPersonalData } from "./personal-data.js";

const values = (text: string) => findPersonalData(text).map((datum) => `${datum.kind}:${datum.value}`);

describe("findPersonalData", () => {
  it.each([
    ["connect ECONNREFUSED 203.0.113.9:6379", ["ip:203.0.113.9"]],
    ["client 198.51.100.7.", ["ip:198.51.100.7"]],
    ["x-forwarded-for: 198.51.100.7, 10.0.0.1", ["ip:198.51.100.7", "ip:10.0.0.1"]],
    ["from [2001:db8:85a3::8a2e:370:7334]:443", ["ip:2001:db8:85a3::8a2e:370:7334"]],
    ["peer ::ffff:192.0.2.1 closed", ["ip:::ffff:192.0.2.1"]],
    ["loopback ::1 and 127.0.0.1", ["ip:::1", "ip:127.0.0.1"]],
    ["at 2001:db8::1.", ["ip:2001:db8::1"]],
    ["mail jane.doe+lp@example.co.uk now", ["email:jane.doe+lp@example.co.uk"]],
    ["Mozilla/5.0 (student@school.edu)", ["email:student@school.edu"]],
  ])("when the text is %j, then it finds %j", (text, expected) => {
    expect(values(text)).toEqual(expected);
  });

  it.each([
    "network 198.51.100.0/24 and 2001:db8:85a3::/48",
    "a coarser network 10.0.0.0/8",
    "2026-11-10T10:00:00.000Z took 12:30:45",
    "version 1.2.3 of firebase-functions@7.4.0 at node_modules/@upstash/redis/index.js:12:34",
    "mac aa:bb:cc:dd:ee:ff, hash deadbeef, 999.1.1.1 is no address, neither is ::",
    "file:///work/main/functions/lib/callable.js:57:19",
  ])("when the text is %j, then it finds nothing", (text) => {
    expect(values(text)).toEqual([]);
  });

  it("when an address is narrower than a /24 or /48 network, then it is still an address", () => {
    expect(values("198.51.100.7/32 and 2001:db8::1/64")).toEqual(["ip:198.51.100.7", "ip:2001:db8::1"]);
  });
});

describe("redactPersonalData", () => {
  it("when a message carries addresses and emails, then they become networks and [email], the rest untouched", () => {
    expect(redactPersonalData("connect ECONNREFUSED 203.0.113.9:6379 for ana@example.com via 2001:db8:85a3::8a2e:370:7334")).toBe(
      "connect ECONNREFUSED 203.0.113.0/24:6379 for [email] via 2001:db8:85a3::/48",
    );
  });

  it("when the text is redacted, then nothing personal is found in it any more", () => {
    const text = "ip ::ffff:192.0.2.1, 198.51.100.7, mail a.b@c.io, 2001:db8::1";
    expect(findPersonalData(redactPersonalData(text))).toEqual([]);
  });
});
