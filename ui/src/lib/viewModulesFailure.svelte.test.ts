import { flushSync } from "svelte";
import { expect, it, vi } from "vitest";
import { loadView, viewComponent, viewFailed } from "./viewModules.svelte";

// A view's code that cannot be fetched (in the app: a chunk missing from a broken build).
vi.mock("../views/SettingsView.svelte", () => {
  throw new Error("chunk missing");
});

it("a view whose code cannot be fetched is marked failed, and asking again retries", async () => {
  await loadView("settings");
  expect(viewComponent("settings")).toBeUndefined();
  expect(viewFailed("settings")).toBe(true);

  // Try again: the mark is cleared while the fetch runs, and set again when it fails again.
  const retry = loadView("settings");
  expect(viewFailed("settings")).toBe(false);
  await retry;
  expect(viewFailed("settings")).toBe(true);
});

it("an effect that asks for a view that cannot be fetched asks once, not again and again", async () => {
  let asked = 0;
  const stop = $effect.root(() => {
    $effect(() => {
      asked += 1;
      void loadView("settings");
    });
  });
  flushSync();
  await loadView("settings");
  flushSync();
  await new Promise((resolve) => setTimeout(resolve, 20));
  flushSync();
  expect(asked).toBe(1);
  expect(viewFailed("settings")).toBe(true);
  stop();
});
