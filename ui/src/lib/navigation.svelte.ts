// Moving between views from inside one (e.g. "Open in the fleet" from the pairing view).
import type { ViewId } from "./views";

export const navigation = $state<{ current: ViewId; device: string | null }>({ current: "enrollments", device: null });

/** Shows the device in the fleet view, with its detail open. */
export function openDevice(deviceId: string): void {
  navigation.device = deviceId;
  navigation.current = "devices";
}
