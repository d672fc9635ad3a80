import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// Checks on the shape of the UI code itself.
const root = join(__dirname, "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "paraglide" || name === "node_modules") return [];
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|svelte)$/.test(name) && !name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("the UI's boundaries", () => {
  it("talks to Rust only through lib/ipc.ts", () => {
    const offenders = files(root)
      .filter((path) => !path.endsWith(join("lib", "ipc.ts")) && !path.endsWith(join("lib", "bindings.ts")))
      .filter((path) => /from\s+["'][^"']*bindings["']|@tauri-apps\/api\/core|invoke\(/.test(readFileSync(path, "utf8")))
      .map((path) => relative(root, path));
    expect(offenders).toEqual([]);
  });

  it("draws views from the shared primitives (no hand-made buttons styled as buttons)", () => {
    const offenders = files(join(root, "views"))
      .filter((path) => /class="btn|<select class="input"/.test(readFileSync(path, "utf8")))
      .map((path) => relative(root, path));
    expect(offenders).toEqual([]);
  });

  it("has no `any` in app code", () => {
    const offenders = files(root)
      .filter((path) => !path.endsWith("bindings.ts"))
      .filter((path) => /:\s*any\b|as any\b|<any>/.test(readFileSync(path, "utf8")))
      .map((path) => relative(root, path));
    expect(offenders).toEqual([]);
  });
});
