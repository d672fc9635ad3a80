// App-wide state the shell shares with every view: the app facts and the active profile, kept
// current by the backend's `profileChanged` event.
import { commands, events, type ActiveProfileSummary, type AppInfo } from "./bindings";
import { describeError, run } from "./ipc";
import { applyTheme } from "./theme";

interface ShellState {
  info: AppInfo | null;
  active: ActiveProfileSummary | null;
  loadError: string | null;
  /** Bumped whenever the active profile changes, so views reload their data. */
  generation: number;
}

export const shell = $state<ShellState>({ info: null, active: null, loadError: null, generation: 0 });

export async function loadShell(): Promise<void> {
  try {
    const info = await run(commands.appInfo());
    shell.info = info;
    shell.active = info.active_profile;
    applyTheme(info.theme);
  } catch (thrown) {
    shell.loadError = describeError(thrown);
  }
}

export function setActive(active: ActiveProfileSummary): void {
  const changed = shell.active?.id !== active.id;
  shell.active = active;
  if (changed) shell.generation += 1;
}

void events.profileChanged.listen((event) => setActive(event.payload.active));
