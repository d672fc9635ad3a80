import { describe, expect, it } from "vitest";

// Checks on the shape of the UI code itself. Vite reads every source file as text at test time
// (tests and the generated Paraglide output are left out: they are not app code).
const sources = import.meta.glob(["/src/**/*.ts", "/src/**/*.svelte", "!/src/**/*.test.ts", "!/src/paraglide/**"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

function offenders(pattern: RegExp, keep: (path: string) => boolean = () => true): string[] {
  return Object.entries(sources)
    .filter(([path, text]) => keep(path) && pattern.test(text))
    .map(([path]) => path);
}

describe("the UI's boundaries", () => {
  it("sees the app's sources", () => {
    expect(Object.keys(sources)).toContain("/src/lib/ipc.ts");
    expect(Object.keys(sources).length).toBeGreaterThan(40);
  });

  it("talks to Rust only through lib/ipc.ts", () => {
    const found = offenders(
      /from\s+["'][^"']*bindings["']|@tauri-apps\/api\/core|invoke\(/,
      (path) => path !== "/src/lib/ipc.ts" && path !== "/src/lib/bindings.ts",
    );
    expect(found).toEqual([]);
  });

  it("draws views from the shared primitives (no hand-made buttons styled as buttons)", () => {
    expect(offenders(/class="btn|<select class="input"/, (path) => path.startsWith("/src/views/"))).toEqual([]);
  });

  it("changes data one way: views have no try/catch of their own and invalidate nothing by hand", () => {
    const inViews = (path: string) => path.startsWith("/src/views/") || path.startsWith("/src/shell/") || path === "/src/App.svelte";
    // Failures are shown by the mutation helper; what a change makes stale is declared on it.
    expect(offenders(/\btry\s*\{|\bcatch\s*[({]/, inViews)).toEqual([]);
    expect(offenders(/\binvalidate(Tags)?\s*\(/, inViews)).toEqual([]);
  });

  it("has primitives that take data and fetch nothing", () => {
    expect(offenders(/\bcommands\.|\bcall\(|resources\.svelte|query\.svelte/, (path) => path.startsWith("/src/ui/"))).toEqual([]);
  });

  it("has no `any` in app code", () => {
    expect(offenders(/:\s*any\b|as any\b|<any>/, (path) => path !== "/src/lib/bindings.ts")).toEqual([]);
  });
});
