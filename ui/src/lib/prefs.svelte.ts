// Small choices kept between runs in Fleetdesk's own database (not the webview's storage): the
// last view, and the device table's columns.
import { call, commands, type UiPrefs } from "./ipc";

export interface ColumnPref {
  width: number;
  hidden: boolean;
}

export const prefs = $state<{ lastView: string | null; deviceColumns: Record<string, ColumnPref> }>({
  lastView: null,
  deviceColumns: {},
});

function parseColumns(text: string | null): Record<string, ColumnPref> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return {};
    const out: Record<string, ColumnPref> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== "object" || value === null) continue;
      const width = (value as { width?: unknown }).width;
      const hidden = (value as { hidden?: unknown }).hidden;
      if (typeof width === "number" && Number.isFinite(width) && typeof hidden === "boolean") out[key] = { width, hidden };
    }
    return out;
  } catch {
    return {};
  }
}

export function loadPrefs(saved: UiPrefs): void {
  prefs.lastView = saved.last_view;
  prefs.deviceColumns = parseColumns(saved.device_columns);
}

export function rememberView(view: string): void {
  if (prefs.lastView === view) return;
  prefs.lastView = view;
  void call(commands.setUiPref("last_view", view)).catch(() => {
    // Not remembered: the next start opens the first view, nothing else is lost.
  });
}

let columnsTimer: ReturnType<typeof setTimeout> | undefined;

export function rememberColumns(columns: Record<string, ColumnPref>): void {
  prefs.deviceColumns = columns;
  clearTimeout(columnsTimer);
  // A drag resizes many times a second: write once it settles.
  columnsTimer = setTimeout(() => {
    void call(commands.setUiPref("device_columns", JSON.stringify(columns))).catch(() => {});
  }, 400);
}
