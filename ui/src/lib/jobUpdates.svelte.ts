// Jobs run in Rust in the background, whatever view is open; Rust says which job moved (at most
// four times a second for each). Every query that shows jobs loads again at once; those showing
// what jobs change (the fleet, the log) at most every two seconds while a job runs — a job of
// 100,000 devices changes the fleet all the time, and the table need not redraw as often — and at
// once when a job stops (finished, paused, cancelled), so its result is what the fleet shows.
import { events, subscribe } from "./ipc";
import { invalidateTags } from "./query.svelte";

const FLEET_EVERY_MS = 2_000;

let fleetTimer: ReturnType<typeof setTimeout> | null = null;
let started = false;

function refreshFleet(): void {
  if (fleetTimer !== null) clearTimeout(fleetTimer);
  fleetTimer = null;
  invalidateTags(["fleet", "activity"]);
}

/** Starts following the jobs (once; later calls do nothing). */
export function followJobs(): void {
  if (started) return;
  started = true;
  subscribe(events.jobProgressed, ({ stopped }) => {
    invalidateTags(["jobs"]);
    if (stopped) {
      refreshFleet();
      return;
    }
    if (fleetTimer !== null) return;
    fleetTimer = setTimeout(refreshFleet, FLEET_EVERY_MS);
  });
}
