// The data several views share, loaded once per profile through the query cache.
import { call, commands } from "./ipc";
import { query } from "./query.svelte";

/**
 * The profile's locations, as Rust keeps them (fetched once there, refreshed with each fleet sync
 * or the Locations view's Refresh): reading them asks the API nothing.
 */
export const locationsQuery = () => query(["locations"], () => call(commands.listLocations()), { maxAgeMs: 60_000 });

/** Fleet totals, per-location counts, saved views and the last sync. */
export const fleetOverviewQuery = () => query(["fleet", "overview"], () => call(commands.fleetOverview()), { maxAgeMs: 10_000 });

export const profilesQuery = () => query(["profiles"], () => call(commands.listProfiles()), { maxAgeMs: 60_000 });

export const rolloutsQuery = () => query(["rollouts"], () => call(commands.listRollouts()), { maxAgeMs: 15_000 });

export const sessionSettingsQuery = () =>
  query(["session-settings"], () => call(commands.getSessionSettings()), { maxAgeMs: 60_000 });
