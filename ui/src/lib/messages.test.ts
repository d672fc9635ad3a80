import { describe, expect, it } from "vitest";
import en from "../../messages/en.json";
import nb from "../../messages/nb.json";
import sv from "../../messages/sv.json";

// The catalogs must say the same things in every language: the same keys, the same placeholders,
// the same plural shapes. (The build would not notice a missing Swedish key: Paraglide falls back
// to English, which is exactly the half-translated screen this test exists to prevent.)
type Plural = { declarations: string[]; selectors: string[]; match: Record<string, string> };
type Catalog = Record<string, string | Plural[]>;

const catalogs: Record<string, Catalog> = { en, sv, nb } as Record<string, Catalog>;

function texts(message: string | Plural[]): string[] {
  return typeof message === "string" ? [message] : message.flatMap((variant) => Object.values(variant.match));
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{([a-z_0-9]+)\}/gi)].map((found) => found[1] ?? "").sort();
}

function shape(message: string | Plural[]): string {
  return typeof message === "string"
    ? "text"
    : JSON.stringify(message.map((v) => ({ d: v.declarations, s: v.selectors, m: Object.keys(v.match) })));
}

const keys = (catalog: Catalog) => Object.keys(catalog).filter((key) => key !== "$schema").sort();

describe.each(["sv", "nb"])("the %s catalog", (language) => {
  const catalog = catalogs[language] as Catalog;

  it("has exactly the English keys", () => {
    const missing = keys(en as Catalog).filter((key) => !(key in catalog));
    const extra = keys(catalog).filter((key) => !(key in (en as Catalog)));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it("uses the same placeholders and plural shapes as English", () => {
    const differing = keys(en as Catalog)
      .filter((key) => key in catalog)
      .filter((key) => {
        const english = (en as Catalog)[key] as string | Plural[];
        const translated = catalog[key] as string | Plural[];
        if (shape(english) !== shape(translated)) return true;
        const want = [...new Set(texts(english).flatMap(placeholders))].sort();
        return texts(translated).some((text) => {
          const got = [...new Set(placeholders(text))].sort();
          // A plural's "one" form may leave out {count} ("en enhet"), never add or rename one.
          return got.some((name) => !want.includes(name)) || (typeof translated === "string" && got.join() !== want.join());
        });
      });
    expect(differing).toEqual([]);
  });

  it("has no empty or untranslated-looking messages", () => {
    const empty = keys(catalog).filter((key) => texts(catalog[key] as string | Plural[]).some((text) => !text.trim()));
    expect(empty).toEqual([]);
  });
});

describe("the check itself", () => {
  it("notices a renamed placeholder", () => {
    expect(placeholders("Ändra {antal} enheter")).not.toEqual(placeholders("Change {count} devices"));
    expect(placeholders("{b} och {a}")).toEqual(placeholders("{a} and {b}"));
  });
});

// A count in a plain message is written as the code passes it: 10000 where a Swede reads
// "10 000" and an English reader "10,000". Messages that declare `count: number` format it
// themselves; every other count must be passed through the locale's number format.
const views = import.meta.glob(["/src/**/*.svelte", "/src/**/*.svelte.ts", "!/src/paraglide/**"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

/** Placeholders that hold a count of things (as opposed to a line or page number, a name or a moment). */
const COUNTS = new Set(["count", "total", "shown", "done", "failed", "skipped", "settled", "valid", "invalid", "created", "fleet", "accepted", "repeated", "rejected", "matched", "lines", "unknown", "duplicates", "ambiguous", "devices", "days"]);

describe("counts in messages", () => {
  it("are formatted in the UI's locale where the message does not format them itself", () => {
    const plain = new Set(keys(en as Catalog).filter((key) => typeof (en as Catalog)[key] === "string"));
    const unformatted: string[] = [];
    for (const [path, text] of Object.entries(views)) {
      for (const call of text.matchAll(/\bm\.([a-z_0-9]+)\(\{([^}]*)\}\)/g)) {
        const [, key = "", args = ""] = call;
        if (!plain.has(key)) continue;
        for (const arg of args.split(/,(?![^(]*\))/)) {
          const [name = "", value = ""] = arg.split(/:(.*)/s).map((part) => part.trim());
          if (COUNTS.has(name) && !/^(fmt\.(number|money)\(|String\(SHOWN\))/.test(value)) unformatted.push(`${path}: ${key} ${name}`);
        }
      }
    }
    expect(unformatted).toEqual([]);
  });
});
