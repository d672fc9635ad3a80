// App-wide state the shell shares with every view: the app facts and the active profile, kept
// current by the backend's `profileChanged` event.
import { applyLocale } from "./i18n.svelte";
import { describeError } from "./errors";
import { call, commands, events, type ActiveProfileSummary, type AppInfo, type BootInfo } from "./ipc";
import { loadPrefs } from "./prefs.svelte";
import { applyTheme } from "./theme";

interface ShellState {
  info: AppInfo | null;
  active: ActiveProfileSummary | null;
  loadError: string | null;
}

export const shell = $state<ShellState>({ info: null, active: null, loadError: null });

declare global {
  interface Window {
    /** The boot facts, put into the page by Rust before any of its scripts run. */
    readonly __FLEETDESK_BOOT__?: BootInfo | null;
  }
}

/**
 * What the first view paints with, from Rust's copy of the last run's choices (`boot.json`), not
 * waiting for the database, the keychain or the local playground (`loadShell` does). Rust puts
 * them into the page before its scripts run; this applies them and says whether they were there.
 */
export function applyInjectedBoot(): boolean {
  const boot = window.__FLEETDESK_BOOT__;
  if (!boot) return false;
  applyBoot(boot);
  return true;
}

/** The boot facts asked for, when the page was not given them (see `applyInjectedBoot`). */
export async function loadBoot(): Promise<void> {
  try {
    const boot = await commands.bootInfo();
    // The data was quicker: its facts are the real ones.
    if (shell.info !== null) return;
    applyBoot(boot);
  } catch {
    // No backend (a component test) or an older one: the defaults paint.
  }
}

let bootApplied = false;

/** Whether the boot facts are in place (given to the page, or answered by `loadBoot`). */
export function hasBoot(): boolean {
  return bootApplied;
}

function applyBoot(boot: BootInfo): void {
  bootApplied = true;
  applyTheme(boot.theme);
  applyLocale(boot.locale);
  loadPrefs(boot.ui_prefs);
  // Provisional until the data is open; `loadShell` puts the real one in place.
  if (shell.active === null) shell.active = boot.active_profile;
}

export async function loadShell(): Promise<void> {
  try {
    const info = await call(commands.appInfo());
    shell.info = info;
    shell.active = info.active_profile;
    applyTheme(info.theme);
    applyLocale(info.locale);
    loadPrefs(info.ui_prefs);
  } catch (thrown) {
    shell.loadError = describeError(thrown);
  }
}

export function setActive(active: ActiveProfileSummary): void {
  shell.active = active;
}

/** Whether the active profile moves real money (destructive actions ask for typed confirmation). */
export function isProduction(): boolean {
  // Production is a fact Rust derives (the host and the key, not only the label).
  return shell.active?.production === true;
}

/** Whether the active profile is a playground (simulated devices, taps and clerks exist there). */
export function isPlayground(): boolean {
  return shell.active !== null && !shell.active.production;
}

// Outside the app (component tests) there is no backend to listen to.
events.profileChanged.listen((event) => setActive(event.payload.active)).catch(() => {});
