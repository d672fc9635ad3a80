// Jobs run in Rust in the background, whatever view is open; Rust says which job moved (at most
// four times a second for each). Every query that shows jobs loads again at once; those showing
// what jobs change (the fleet, the log) at most every two seconds: a job of 100,000 devices
// changes the fleet all the time, and the table need not redraw as often.
import { events } from "./ipc";
import { invalidateTags } from "./query.svelte";

const FLEET_EVERY_MS = 2_000;

let fleetTimer: ReturnType<typeof setTimeout> | null = null;
let started = false;
/** Starts following the jobs (once; later calls do nothing). */
export function followJobs(): void {
  if (started) return;
  started = true;
  events.jobProgressed
    .listen(() => {
      invalidateTags(["jobs"]);
      if (fleetTimer !== null) return;
      fleetTimer = setTimeout(() => {
        fleetTimer = null;
        invalidateTags(["fleet", "activity"]);
      }, FLEET_EVERY_MS);
    })
    .catch(() => {
      // No backend (a component test): nothing will arrive.
    });
}
