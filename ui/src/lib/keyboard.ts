// Keyboard navigation between views, kept pure so it can be unit-tested without a DOM.
import type { ViewId } from "./views";

export interface KeyChord {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** The platform's command key is down (⌘ on macOS, Ctrl elsewhere), and no other modifier. */
function primaryOnly(chord: KeyChord, isMac: boolean): boolean {
  const primary = isMac ? chord.metaKey : chord.ctrlKey;
  return primary && !chord.altKey && !chord.shiftKey;
}

/** Ctrl+1… (⌘ on macOS) jumps to a view by its sidebar position; Ctrl+, opens Settings. */
export function viewForShortcut(chord: KeyChord, isMac: boolean, views: readonly ViewId[]): ViewId | null {
  if (!primaryOnly(chord, isMac)) return null;
  if (chord.key === ",") return "settings";
  const position = Number.parseInt(chord.key, 10);
  if (Number.isInteger(position) && position >= 1 && position <= views.length) {
    return views[position - 1] ?? null;
  }
  return null;
}

/** Ctrl+K (⌘K on macOS) opens the command palette. */
export function isPaletteShortcut(chord: KeyChord, isMac: boolean): boolean {
  return primaryOnly(chord, isMac) && chord.key.toLowerCase() === "k";
}

/** Arrow keys, Home and End move between items of a list, wrapping at the ends. */
export function neighbour<T>(items: readonly T[], current: T, key: string): T | null {
  const index = items.indexOf(current);
  const last = items.length - 1;
  if (last < 0) return null;
  switch (key) {
    case "ArrowDown":
    case "ArrowRight":
      return items[index >= last ? 0 : index + 1] ?? null;
    case "ArrowUp":
    case "ArrowLeft":
      return items[index <= 0 ? last : index - 1] ?? null;
    case "Home":
      return items[0] ?? null;
    case "End":
      return items[last] ?? null;
    default:
      return null;
  }
}

/**
 * Where a key moves focus in a long vertical list (a grid's rows, a listbox's entries) of `count`
 * entries: ↑ ↓ by one, PageUp PageDown by `page`, Home End to the ends, kept inside the list (no
 * wrapping: at 100,000 rows, End then ↓ landing on the first would be lost). Null for other keys.
 */
export function listMove(key: string, current: number, count: number, page: number): number | null {
  if (count === 0) return null;
  const steps: Partial<Record<string, number>> = {
    ArrowDown: current + 1,
    ArrowUp: current - 1,
    PageDown: current + page,
    PageUp: current - page,
    Home: 0,
    End: count - 1,
  };
  const target = steps[key];
  return target === undefined ? null : Math.max(0, Math.min(count - 1, target));
}

/**
 * Keyboard for a row of buttons with one tab stop (tabs, a radio group): the keys `neighbour`
 * knows choose the next item and move focus to its button. Returns the keydown handler to give
 * each item's button, with that item.
 */
export function rovingKeydown<T extends string>(
  items: () => readonly T[],
  choose: (item: T) => void,
  buttons: Partial<Record<string, HTMLElement>>,
): (event: KeyboardEvent, current: T) => void {
  return (event, current) => {
    const next = neighbour(items(), current, event.key);
    if (next === null) return;
    event.preventDefault();
    choose(next);
    buttons[next]?.focus();
  };
}

/** The shortcut label shown next to a sidebar item. */
export function shortcutLabel(position: number, isMac: boolean): string {
  return `${isMac ? "⌘" : "Ctrl+"}${position}`;
}
