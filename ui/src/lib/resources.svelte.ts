// The data several views share, loaded once per profile through the query cache.
import { call, commands } from "./ipc";
import { resource } from "./query.svelte";

/** The profile's locations (they change only in the Kustom Portal: kept five minutes). */
export const locationsResource = () => resource("locations", () => call(commands.listLocations()), 5 * 60_000);

/** Fleet totals, per-location counts, saved views and the last sync. */
export const fleetOverviewResource = () => resource("fleet/overview", () => call(commands.fleetOverview()), 10_000);

export const profilesResource = () => resource("profiles", () => call(commands.listProfiles()), 60_000);

export const rolloutsResource = () => resource("rollouts", () => call(commands.listRollouts()), 15_000);

export const sessionSettingsResource = () => resource("settings/sessions", () => call(commands.getSessionSettings()), 60_000);
