// The device table's columns: what each shows, how wide it starts, how narrow it may get, and
// the user's choices (widths, hidden columns) merged over those defaults.
import { m } from "../../lib/i18n.svelte";
import type { SortColumn } from "../../lib/ipc";
import type { ColumnPref } from "../../lib/prefs.svelte";

export type ColumnKey = "name" | "location" | "platform" | "metadata" | "last_activity" | "created_at" | "register" | "hardware_id" | "id";

export interface ColumnDef {
  key: ColumnKey;
  sort: SortColumn | null;
  /** Starting width in pixels; the metadata column takes what is left instead. */
  width: number;
  min: number;
  /** Takes the remaining width (metadata). */
  flex: boolean;
  hiddenByDefault: boolean;
  /** Cannot be hidden (the name identifies the row). */
  required: boolean;
}

/**
 * Sized so name, location, platform, metadata and the last activity fit a 1024-pixel window, the
 * last activity whole in all three languages ("Betalning 2025-12-29" is its longest form).
 */
export const COLUMNS: readonly ColumnDef[] = [
  { key: "name", sort: "name", width: 148, min: 110, flex: false, hiddenByDefault: false, required: true },
  { key: "location", sort: "location", width: 124, min: 90, flex: false, hiddenByDefault: false, required: false },
  { key: "platform", sort: "platform", width: 84, min: 70, flex: false, hiddenByDefault: false, required: false },
  { key: "metadata", sort: null, width: 0, min: 140, flex: true, hiddenByDefault: false, required: false },
  { key: "last_activity", sort: "last_activity", width: 168, min: 100, flex: false, hiddenByDefault: false, required: false },
  { key: "created_at", sort: "created_at", width: 104, min: 90, flex: false, hiddenByDefault: true, required: false },
  { key: "register", sort: null, width: 96, min: 70, flex: false, hiddenByDefault: true, required: false },
  { key: "hardware_id", sort: "hardware_id", width: 150, min: 90, flex: false, hiddenByDefault: true, required: false },
  { key: "id", sort: null, width: 150, min: 90, flex: false, hiddenByDefault: true, required: false },
];

export const MAX_WIDTH = 600;

export function columnLabel(key: ColumnKey): string {
  switch (key) {
    case "name":
      return m.column_name();
    case "location":
      return m.column_location();
    case "platform":
      return m.column_platform();
    case "metadata":
      return m.column_metadata();
    case "last_activity":
      return m.column_last_activity();
    case "created_at":
      return m.column_enrolled();
    case "register":
      return m.column_register();
    case "hardware_id":
      return m.column_hardware_id();
    case "id":
      return m.column_device_id();
  }
}

export interface ShownColumn extends ColumnDef {
  /** Width in pixels (0 for the flexible column). */
  current: number;
}

/** The columns to draw, in order, with the user's widths; hidden ones left out. */
export function shownColumns(prefs: Record<string, ColumnPref>): ShownColumn[] {
  return COLUMNS.filter((c) => c.required || !(prefs[c.key]?.hidden ?? c.hiddenByDefault)).map((c) => ({
    ...c,
    current: c.flex ? 0 : clampWidth(c, prefs[c.key]?.width ?? c.width),
  }));
}

export function clampWidth(column: ColumnDef, width: number): number {
  return Math.round(Math.min(MAX_WIDTH, Math.max(column.min, width)));
}

/** `prefs` with one column's width changed. */
export function resized(prefs: Record<string, ColumnPref>, key: ColumnKey, width: number): Record<string, ColumnPref> {
  const column = COLUMNS.find((c) => c.key === key);
  if (!column) return prefs;
  const hidden = prefs[key]?.hidden ?? column.hiddenByDefault;
  return { ...prefs, [key]: { width: clampWidth(column, width), hidden } };
}

/** `prefs` with one column shown or hidden (the name column always stays). */
export function toggled(prefs: Record<string, ColumnPref>, key: ColumnKey, hidden: boolean): Record<string, ColumnPref> {
  const column = COLUMNS.find((c) => c.key === key);
  if (!column || column.required) return prefs;
  return { ...prefs, [key]: { width: prefs[key]?.width ?? column.width, hidden } };
}
