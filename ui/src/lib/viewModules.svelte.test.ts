import { flushSync } from "svelte";
import { expect, it } from "vitest";
import { loadView, viewComponent, viewFailed } from "./viewModules.svelte";

it("the first view is there from the start, without fetching", () => {
  expect(viewComponent("enrollments")).toBeDefined();
});

it("a view fetched later reaches whoever already looked for it", async () => {
  const seen: boolean[] = [];
  const stop = $effect.root(() => {
    $effect(() => {
      seen.push(viewComponent("locations") !== undefined);
    });
  });
  flushSync();
  expect(seen).toEqual([false]);

  // Asked twice while fetching: one fetch, and both callers wait for it.
  await Promise.all([loadView("locations"), loadView("locations")]);
  flushSync();
  expect(seen).toEqual([false, true]);
  expect(viewFailed("locations")).toBe(false);
  stop();
});
