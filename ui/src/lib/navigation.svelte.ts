// Where the app is, and jumps into a view with something open (from the palette, "Open in the
// fleet", a paired device…). The target view's kept state says what to open.
import type { EnrollmentView, FleetQuery } from "./ipc";
import { rememberView } from "./prefs.svelte";
import { activityState, devicesState, emptyQuery, enrollmentsState, sessionsState } from "./viewState.svelte";
import type { ViewId } from "./views";

export const navigation = $state<{ current: ViewId; paletteOpen: boolean }>({ current: "enrollments", paletteOpen: false });

export function go(view: ViewId): void {
  navigation.current = view;
  rememberView(view);
}

/** The fleet, with this device's detail open. */
export function openDevice(deviceId: string): void {
  devicesState().openId = deviceId;
  go("devices");
}

/** The fleet, filtered to a location's devices. */
export function openLocation(locationId: string): void {
  const state = devicesState();
  const query: FleetQuery = { ...emptyQuery(), location: { kind: "at", id: locationId } };
  state.query = query;
  state.savedView = null;
  state.allMatching = false;
  go("devices");
}

/** A device's whole history, on its own page (the activity view). */
export function openDeviceHistory(device: { id: string; name: string }): void {
  activityState().device = device;
  go("activity");
}

/** The sessions view, with this session's detail open. */
export function openSession(sessionId: string): void {
  const state = sessionsState();
  state.openId = sessionId;
  state.tab = "history";
  go("sessions");
}

/** The pairing view of a code. */
export function openCode(view: EnrollmentView): void {
  const state = enrollmentsState();
  state.tab = "codes";
  state.mode = { kind: "pairing", enrollment: view.enrollment };
  go("enrollments");
}
