// The active profile's locations, loaded once per profile and shared by every picker.
import { commands, type Location } from "./bindings";
import { run } from "./ipc";
import { shell } from "./shell.svelte";

const cache = $state<{ generation: number; list: Location[] | null; promise: Promise<Location[]> | null }>({
  generation: -1,
  list: null,
  promise: null,
});

export function locations(): Promise<Location[]> {
  if (cache.generation !== shell.generation || !cache.promise) {
    cache.generation = shell.generation;
    cache.promise = run(commands.listLocations()).then(
      (list) => {
        cache.list = list;
        return list;
      },
      (thrown: unknown) => {
        cache.promise = null; // try again next time
        throw thrown;
      },
    );
  }
  return cache.promise;
}

export function locationName(id: string | null | undefined, list: Location[]): string {
  if (!id) return "Unassigned";
  return list.find((l) => l.id === id)?.name ?? id;
}
