// A desktop notification from the page, when the system allows one (none in a headless session:
// the view itself says what happened).
import { isPermissionGranted, requestPermission, sendNotification } from "@tauri-apps/plugin-notification";

export async function notifyDesktop(title: string, body: string, ask = true): Promise<void> {
  try {
    let granted = await isPermissionGranted();
    if (!granted && ask) granted = (await requestPermission()) === "granted";
    if (granted) sendNotification({ title, body });
  } catch {
    // No notification service.
  }
}
