// The fleet sync, shared: the Devices view shows its progress, the palette and the timer start it,
// and only one runs at a time.
import { describeError } from "./errors";
import { call, commands, events } from "./ipc";
import { invalidateTags } from "./query.svelte";

export const fleetSync = $state<{ running: boolean; pagesDone: number; pagesTotal: number; error: string | null }>({
  running: false,
  pagesDone: 0,
  pagesTotal: 0,
  error: null,
});

events.fleetSyncProgress
  .listen((event) => {
    fleetSync.pagesDone = event.payload.pages_done;
    fleetSync.pagesTotal = event.payload.pages_total;
  })
  .catch(() => {});

/** Fetches the whole fleet into the local cache; resolves when done (errors land in `error`). */
export async function syncFleet(): Promise<void> {
  if (fleetSync.running) return;
  fleetSync.running = true;
  fleetSync.pagesDone = 0;
  fleetSync.pagesTotal = 0;
  fleetSync.error = null;
  try {
    await call(commands.syncFleet());
  } catch (thrown) {
    fleetSync.error = describeError(thrown);
  } finally {
    fleetSync.running = false;
    // A sync refreshes the locations with the fleet.
    invalidateTags(["fleet", "locations"]);
  }
}
