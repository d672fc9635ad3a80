import { describe, expect, it } from "vitest";
import { metadataSummary, secondsLeft, timeLeft } from "./format";

const now = Date.parse("2026-11-21T10:00:00Z");

describe("timeLeft", () => {
  it("counts minutes and seconds in the last hour", () => {
    expect(timeLeft("2026-11-21T10:14:05Z", now)).toBe("14:05");
    expect(timeLeft("2026-11-21T10:00:09Z", now)).toBe("0:09");
  });

  it("shows hours and minutes, then days", () => {
    expect(timeLeft("2026-11-21T11:59:59Z", now)).toBe("1 h 59 min");
    expect(timeLeft("2026-11-24T10:00:00Z", now)).toBe("3 d 0 h");
  });

  it("says expired at and after the deadline, and copes with bad input", () => {
    expect(timeLeft("2026-11-21T10:00:00Z", now)).toBe("Expired");
    expect(timeLeft("2026-11-21T09:00:00Z", now)).toBe("Expired");
    expect(timeLeft("not a date", now)).toBe("—");
  });
});

describe("secondsLeft", () => {
  it("is negative once past", () => {
    expect(secondsLeft("2026-11-21T10:00:30Z", now)).toBe(30);
    expect(secondsLeft("2026-11-21T09:59:30Z", now)).toBe(-30);
  });
});

describe("metadataSummary", () => {
  it("lists pairs and hides internal keys", () => {
    expect(metadataSummary({ store_id: "1", fleetdesk_row: "x" }, ["fleetdesk_row"])).toBe("store_id = 1");
  });
});

import { age, money, toMinor } from "./format";

describe("money and prices", () => {
  it("formats minor units in the currency's units", () => {
    expect(money(240000, "SEK")).toContain("2");
    expect(money(240000, "SEK")).toContain("SEK");
    expect(money(240000, "SEK")).toMatch(/400[.,]00/);
  });

  it("reads prices as people type them", () => {
    expect(toMinor("12,50")).toBe(1250);
    expect(toMinor("12.5")).toBe(1250);
    expect(toMinor(" 1 000 ")).toBe(100000);
    expect(toMinor("12.345")).toBeNull();
    expect(toMinor("abc")).toBeNull();
  });

  it("says how long ago", () => {
    expect(age("2026-11-21T09:59:30Z", Date.parse("2026-11-21T10:00:00Z"))).toBe("30 s");
    expect(age("2026-11-21T09:55:00Z", Date.parse("2026-11-21T10:00:00Z"))).toBe("5 min");
  });
});
