// The app's views, in sidebar order. One place names them, so the sidebar, the keyboard shortcuts
// and the router cannot disagree.

export const VIEW_IDS = ["enrollments", "devices", "sessions", "locations", "playground", "settings"] as const;

export type ViewId = (typeof VIEW_IDS)[number];

export interface ViewInfo {
  id: ViewId;
  label: string;
  /** One line under the heading: what a store manager does here. */
  summary: string;
}

export const VIEWS: Record<ViewId, ViewInfo> = {
  enrollments: {
    id: "enrollments",
    label: "Enrollments",
    summary: "Pairing codes that let a clerk enroll a phone as a payment device.",
  },
  devices: {
    id: "devices",
    label: "Devices",
    summary: "Every enrolled phone in the fleet, by location and metadata.",
  },
  sessions: {
    id: "sessions",
    label: "Sessions",
    summary: "Payment sessions as they move, live from callbacks and polling.",
  },
  locations: {
    id: "locations",
    label: "Locations",
    summary: "The stores and pop-ups devices belong to.",
  },
  playground: {
    id: "playground",
    label: "Playground",
    summary: "Simulated devices, test payments and card taps, without real money.",
  },
  settings: {
    id: "settings",
    label: "Settings",
    summary: "Profiles, API keys in the OS keychain, and appearance.",
  },
};

export function isViewId(value: string): value is ViewId {
  return (VIEW_IDS as readonly string[]).includes(value);
}
