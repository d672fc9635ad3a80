// The app's views, in sidebar order. One place names them, so the sidebar, the keyboard shortcuts,
// the command palette and the router cannot disagree.
import { m } from "./i18n.svelte";

export const VIEW_IDS = ["enrollments", "devices", "sessions", "locations", "activity", "jobs", "playground", "settings"] as const;

export type ViewId = (typeof VIEW_IDS)[number];

export interface ViewInfo {
  id: ViewId;
  label: string;
  /** One line under the heading: what a store manager does here. */
  summary: string;
}

export function viewInfo(id: ViewId): ViewInfo {
  switch (id) {
    case "enrollments":
      return { id, label: m.view_enrollments(), summary: m.view_enrollments_summary() };
    case "devices":
      return { id, label: m.view_devices(), summary: m.view_devices_summary() };
    case "sessions":
      return { id, label: m.view_sessions(), summary: m.view_sessions_summary() };
    case "locations":
      return { id, label: m.view_locations(), summary: m.view_locations_summary() };
    case "activity":
      return { id, label: m.view_activity(), summary: m.view_activity_summary() };
    case "jobs":
      return { id, label: m.view_jobs(), summary: m.view_jobs_summary() };
    case "playground":
      return { id, label: m.view_playground(), summary: m.view_playground_summary() };
    case "settings":
      return { id, label: m.view_settings(), summary: m.view_settings_summary() };
  }
}

/** The views offered for a profile: the Playground (simulated devices and taps) only where it exists. */
export function visibleViews(playground: boolean): ViewId[] {
  return VIEW_IDS.filter((id) => id !== "playground" || playground);
}

export function isViewId(value: string | null | undefined): value is ViewId {
  return value !== null && value !== undefined && (VIEW_IDS as readonly string[]).includes(value);
}
