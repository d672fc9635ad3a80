// What each view was showing, kept while the app runs so leaving a view and coming back finds it
// as it was: filters, selection, the open item, the tab, forms half filled. Kept per profile
// (another profile's devices and codes are not this one's).
import type {
  BatchSummary,
  Enrollment,
  EnrollmentDraft,
  ExpiryPreset,
  FleetQuery,
  JobRowFilter,
  KnownTapOutcome,
  MetadataRow,
  Paper,
  RolloutDraft,
  Sort,
} from "./ipc";
import { m } from "./i18n.svelte";
import { shell } from "./shell.svelte";

export interface DevicesState {
  query: FleetQuery;
  sort: Sort;
  selected: string[];
  /** Every device matching `query` is selected (not only the ids). */
  allMatching: boolean;
  openId: string | null;
  scrollTop: number;
  /** The saved view last applied, while the query is still the one it saved. */
  savedView: string | null;
}

export interface NewCodeForm {
  locationId: string;
  label: string;
  metadata: MetadataRow[];
  expiry: ExpiryPreset;
}

export type EnrollmentsMode = { kind: "list" } | { kind: "new" } | { kind: "pairing"; enrollment: Enrollment };

export interface EnrollmentsState {
  tab: "codes" | "rollouts";
  mode: EnrollmentsMode;
  filters: { locationId: string; metadata: MetadataRow[]; includePaired: boolean };
  page: number;
  form: NewCodeForm;
  rollout: {
    source: "generate" | "csv";
    locationId: string;
    count: number;
    prefix: string;
    name: string;
    expiry: ExpiryPreset;
    paper: Paper;
    draft: RolloutDraft | null;
    openBatch: BatchSummary["id"] | null;
  };
}

export interface SessionsState {
  tab: "board" | "history";
  status: string;
  lookup: string;
  openId: string | null;
}

export interface CartLineForm {
  name: string;
  quantity: string;
  price: string;
  tax: string;
  discount: string;
}

export interface PlaygroundState {
  deviceId: string;
  simName: string;
  simLocation: string;
  currency: string;
  lines: CartLineForm[];
  sessionId: string | null;
  outcome: KnownTapOutcome;
}

export interface SettingsState {
  selectedProfile: string | null;
}

/** How far back the activity log looks. */
export type ActivityPeriod = "day" | "week" | "month" | "year" | "all";

export interface ActivityState {
  text: string;
  locationId: string;
  /** An action family ("device.", "sync.") or "" for all. */
  kind: string;
  who: string;
  period: ActivityPeriod;
  /** One device's whole history instead of the log (from its drawer). */
  device: { id: string; name: string } | null;
}

export const emptyQuery = (): FleetQuery => ({ metadata: [], location: { kind: "any" }, platform: null, register: "any", activity: "any", text: "" });

export const newCodeForm = (from: EnrollmentDraft | null = null): NewCodeForm => ({
  locationId: from?.location_id ?? "",
  label: from?.device_label ?? "",
  metadata: from?.metadata.length ? from.metadata.map((row) => ({ ...row })) : [{ key: "", value: "" }],
  expiry: from?.expiry ?? "hours2",
});

function perProfile<T extends object>(make: () => T): () => T {
  const states = new Map<string, T>();
  return () => {
    const id = shell.active?.id ?? "";
    let state = states.get(id);
    if (!state) {
      const fresh = $state(make());
      state = fresh;
      states.set(id, state);
    }
    return state;
  };
}

export const devicesState = perProfile<DevicesState>(() => ({
  query: emptyQuery(),
  sort: { column: "name", descending: false },
  selected: [],
  allMatching: false,
  openId: null,
  scrollTop: 0,
  savedView: null,
}));

export const enrollmentsState = perProfile<EnrollmentsState>(() => ({
  tab: "codes",
  mode: { kind: "list" },
  filters: { locationId: "", metadata: [], includePaired: true },
  page: 0,
  form: newCodeForm(),
  rollout: {
    source: "generate",
    locationId: "",
    count: 8,
    prefix: "",
    name: "",
    expiry: "hours24",
    paper: "a4",
    draft: null,
    openBatch: null,
  },
}));

export const sessionsState = perProfile<SessionsState>(() => ({
  tab: "board",
  status: "",
  lookup: "",
  openId: null,
}));

export const playgroundState = perProfile<PlaygroundState>(() => ({
  deviceId: "",
  simName: "",
  simLocation: "",
  currency: "SEK",
  // An example line, so a first test payment is one click away.
  lines: [{ name: m.playground_example_item(), quantity: "1", price: "100.00", tax: "25", discount: "0" }],
  sessionId: null,
  outcome: "SUCCESS",
}));

export const settingsState = perProfile<SettingsState>(() => ({ selectedProfile: null }));

export const activityState = perProfile<ActivityState>(() => ({
  text: "",
  locationId: "",
  kind: "",
  who: "",
  period: "month",
  device: null,
}));

export interface JobsState {
  /** The job whose page is open. */
  selected: string | null;
  /** Which of its devices the results show. */
  filter: JobRowFilter;
}

export const jobsState = perProfile<JobsState>(() => ({ selected: null, filter: "all" }));
