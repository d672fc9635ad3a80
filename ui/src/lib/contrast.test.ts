import Color from "colorjs.io";
import { describe, expect, it } from "vitest";
import css from "../app.css?raw";

// Every text colour token against every background it is drawn on, in both themes, measured with
// colorjs.io's WCAG 2.1 contrast (independent of our CSS). Dark-theme tokens fall back to the
// light ones they do not override, as the cascade does; translucent "soft" backgrounds are
// composited over the surface they sit on.
function tokens(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  const block = css.slice(start, css.indexOf("}", start));
  return Object.fromEntries([...block.matchAll(/--([a-z0-9-]+):\s*([^;]+);/g)].map((found) => [found[1] ?? "", (found[2] ?? "").trim()]));
}

const light = tokens(":root");
const themes = { light, dark: { ...light, ...tokens(':root[data-theme="dark"]') } };

function solid(value: string, under: string): Color {
  const colour = new Color(value);
  const alpha = colour.alpha.valueOf();
  if (alpha >= 1) return colour;
  const base = new Color(under).to("srgb");
  const top = colour.to("srgb");
  const mix = top.coords.map((c, i) => (c ?? 0) * alpha + (base.coords[i] ?? 0) * (1 - alpha));
  return new Color("srgb", mix as [number, number, number]);
}

// [text token, background tokens it appears on, minimum ratio]
const PAIRS: [string, string[], number][] = [
  ["text", ["bg", "surface", "surface-2"], 4.5],
  ["text-muted", ["bg", "surface", "surface-2"], 4.5],
  ["text-faint", ["surface", "surface-2"], 4.5],
  ["accent-ink", ["surface", "surface-2", "accent-soft"], 4.5],
  ["accent-text", ["accent"], 4.5],
  ["danger", ["surface", "danger-soft"], 4.5],
  ["warning", ["surface", "warning-soft"], 4.5],
  ["success", ["surface", "success-soft"], 4.5],
  ["info", ["surface", "info-soft"], 4.5],
  ["sidebar-text", ["sidebar-bg"], 4.5],
  ["sidebar-active-text", ["sidebar-bg"], 4.5],
  // Non-text: focus rings and field borders need 3:1 (WCAG 1.4.11).
  ["focus", ["surface", "bg"], 3],
];

describe.each(Object.entries(themes))("the %s theme's colours", (_name, theme) => {
  it.each(PAIRS)("--%s is readable on its backgrounds", (text, backgrounds, minimum) => {
    const failing = backgrounds
      .map((background) => {
        const surface = theme.surface ?? "#fff";
        const under = solid(theme[background] ?? "", surface);
        const ratio = solid(theme[text] ?? "", under.toString()).contrast(under, "WCAG21");
        return { background, ratio: Math.round(ratio * 100) / 100 };
      })
      .filter(({ ratio }) => ratio < minimum);
    expect(failing).toEqual([]);
  });
});

describe("the check itself", () => {
  it("finds the tokens and fails a pale grey on white", () => {
    expect(Object.keys(themes.dark).length).toBeGreaterThan(25);
    expect(new Color("#9ca3af").contrast(new Color("#ffffff"), "WCAG21")).toBeLessThan(4.5);
  });
});
