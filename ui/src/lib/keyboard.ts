// Keyboard navigation between views, kept pure so it can be unit-tested without a DOM.
import { VIEW_IDS, type ViewId } from "./views";

export interface KeyChord {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** Ctrl+1…6 (⌘ on macOS) jumps to a view by its sidebar position; Ctrl+, opens Settings. */
export function viewForShortcut(chord: KeyChord, isMac: boolean): ViewId | null {
  const primary = isMac ? chord.metaKey : chord.ctrlKey;
  if (!primary || chord.altKey || chord.shiftKey) return null;
  if (chord.key === ",") return "settings";
  const position = Number.parseInt(chord.key, 10);
  if (Number.isInteger(position) && position >= 1 && position <= VIEW_IDS.length) {
    return VIEW_IDS[position - 1] ?? null;
  }
  return null;
}

/** Arrow keys, Home and End move between sidebar items, wrapping at the ends. */
export function neighbourView(current: ViewId, key: string): ViewId | null {
  const index = VIEW_IDS.indexOf(current);
  const last = VIEW_IDS.length - 1;
  switch (key) {
    case "ArrowDown":
      return VIEW_IDS[index === last ? 0 : index + 1] ?? null;
    case "ArrowUp":
      return VIEW_IDS[index === 0 ? last : index - 1] ?? null;
    case "Home":
      return VIEW_IDS[0];
    case "End":
      return VIEW_IDS[last] ?? null;
    default:
      return null;
  }
}

/** The shortcut label shown next to a sidebar item. */
export function shortcutLabel(view: ViewId, isMac: boolean): string {
  return `${isMac ? "⌘" : "Ctrl+"}${VIEW_IDS.indexOf(view) + 1}`;
}
