import { describe, expect, it } from "vitest";
import cases from "../../../crates/fleet-core/tests/format_cases.json";
import { compareNames, formatCountdown, formatDate, formatDateTime, formatDuration, formatMoment, formatMoney, formatTime, secondsUntil, toMinor } from "./format";

// The same file the Rust formatter (pairing-card PDF) is tested against: both sides write dates
// as ICU does, so the screen and the paper agree.
const zone = `Etc/GMT${cases.utc_offset_hours >= 0 ? "-" : "+"}${Math.abs(cases.utc_offset_hours)}`;

describe("dates and times", () => {
  it.each(cases.cases)("$locale writes $utc as $date_time", (c) => {
    expect(formatDateTime(c.utc, c.locale, zone)).toBe(c.date_time);
    expect(formatDate(c.utc, c.locale, zone)).toBe(c.date);
    expect(formatTime(c.utc, c.locale, zone)).toBe(c.time);
  });

  it("gives Swedes a 24-hour clock and Americans AM/PM", () => {
    expect(formatTime("2026-11-22T13:05:09Z", "sv-SE", "UTC")).toBe("13:05:09");
    expect(formatTime("2026-11-22T13:05:09Z", "en-US", "UTC")).toBe("1:05:09 PM");
  });

  it("says — for what is not a date", () => {
    expect(formatDateTime("not a date", "sv-SE")).toBe("—");
  });
});

describe("formatters", () => {
  it("are made once per locale and options, not once per date (a table formats every row)", () => {
    const Original = Intl.DateTimeFormat;
    let count = 0;
    class Counting extends Original {
      constructor(...args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
        super(...args);
        count += 1;
      }
    }
    Intl.DateTimeFormat = Counting as typeof Intl.DateTimeFormat;
    const made = { calls: () => count };
    try {
      const first = formatDate("2026-11-22T13:05:09Z", "da-DK", "Europe/Copenhagen");
      for (let day = 10; day < 30; day++) formatDate(`2026-11-${day}T13:05:09Z`, "da-DK", "Europe/Copenhagen");
      expect(made.calls()).toBe(1);
      // Another locale or options get their own, and the first still writes the same.
      formatDate("2026-11-22T13:05:09Z", "fi-FI", "Europe/Copenhagen");
      formatDateTime("2026-11-22T13:05:09Z", "da-DK", "Europe/Copenhagen");
      expect(made.calls()).toBe(3);
      expect(formatDate("2026-11-22T13:05:09Z", "da-DK", "Europe/Copenhagen")).toBe(first);
    } finally {
      Intl.DateTimeFormat = Original;
    }
  });
});

describe("money", () => {
  it("writes kronor the Swedish way", () => {
    // A no-break space groups thousands and sits before "kr", as ICU writes it.
    expect(formatMoney(123450, "SEK", "sv-SE")).toBe("1\u00a0234,50\u00a0kr");
    expect(formatMoney(123450, "NOK", "nb-NO")).toBe("1\u00a0234,50\u00a0kr");
    expect(formatMoney(-500, "SEK", "sv-SE")).toBe("\u22125,00\u00a0kr");
  });

  it("writes other locales and currencies their way", () => {
    expect(formatMoney(123450, "SEK", "en-GB")).toBe("SEK\u00a01,234.50");
    expect(formatMoney(99, "EUR", "de-DE")).toBe("0,99\u00a0€");
  });

  it("keeps a currency code it does not know", () => {
    expect(formatMoney(1000, "XX1", "sv-SE")).toBe("10,00 XX1");
  });
});

describe("durations", () => {
  it("uses at most two units, in the locale's words", () => {
    expect(formatDuration(12, "en-GB")).toBe("12 secs");
    expect(formatDuration(3 * 3600 + 120, "sv-SE")).toBe("3 tim 2 min");
    expect(formatDuration(2 * 86400 + 3600, "nb-NO")).toBe("2 d 1 t");
  });

  it("counts down in clock style within a day", () => {
    expect(formatCountdown(14 * 60 + 5, "sv-SE")).toBe("14:05");
    expect(formatCountdown(2 * 3600 + 61, "sv-SE")).toBe("2:01:01");
    expect(formatCountdown(-3, "sv-SE")).toBe("0:00");
  });

  it("measures seconds to a deadline", () => {
    const now = Date.parse("2026-11-21T10:00:00Z");
    expect(secondsUntil("2026-11-21T10:00:30Z", now)).toBe(30);
    expect(secondsUntil("2026-11-21T09:59:30Z", now)).toBe(-30);
  });
});

describe("prices typed by a person", () => {
  it("accepts a decimal comma or point and spaces", () => {
    expect(toMinor("12,50")).toBe(1250);
    expect(toMinor("1 234.5")).toBe(123450);
    expect(toMinor("7")).toBe(700);
  });

  it("refuses what is not a price", () => {
    expect(toMinor("12,345")).toBeNull();
    expect(toMinor("-3")).toBeNull();
    expect(toMinor("abc")).toBeNull();
    expect(toMinor("")).toBeNull();
  });
});

describe("names in order", () => {
  const sorted = (names: string[], language: string) => [...names].sort((a, b) => compareNames(a, b, language));

  it("puts numbers in number order and ignores case", () => {
    expect(sorted(["Till 11", "till 3", "Till 2", "Till 10"], "en")).toEqual(["Till 2", "till 3", "Till 10", "Till 11"]);
  });

  it("follows the Swedish and the Norwegian alphabet", () => {
    expect(sorted(["Örebro", "Åre", "Ängelholm", "Zinkensdamm"], "sv")).toEqual(["Zinkensdamm", "Åre", "Ängelholm", "Örebro"]);
    expect(sorted(["Ås", "Ørsta", "Ænes", "Zeta"], "nb")).toEqual(["Zeta", "Ænes", "Ørsta", "Ås"]);
  });
});

describe("formatMoment", () => {
  const now = Date.parse("2026-12-07T15:00:00Z");
  it("is the time today, the day this year, the date before", () => {
    expect(formatMoment("2026-12-07T13:05:00Z", now, "en-GB")).toMatch(/^\d{2}:05$/);
    expect(formatMoment("2026-11-03T10:00:00Z", now, "en-GB")).toBe("3 Nov");
    expect(formatMoment("2025-11-03T10:00:00Z", now, "sv-SE")).toBe("2025-11-03");
  });
});
