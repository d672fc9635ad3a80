import { describe, expect, it } from "vitest";
import { isPaletteShortcut, listMove, neighbour, rovingKeydown, shortcutLabel, viewForShortcut, type KeyChord } from "./keyboard";
import { VIEW_IDS, visibleViews } from "./views";

const chord = (key: string, mods: Partial<KeyChord> = {}): KeyChord => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe("viewForShortcut", () => {
  it("maps Ctrl+digit to the view at that sidebar position", () => {
    expect(viewForShortcut(chord("1", { ctrlKey: true }), false, VIEW_IDS)).toBe("enrollments");
    expect(viewForShortcut(chord("3", { ctrlKey: true }), false, VIEW_IDS)).toBe("sessions");
    expect(viewForShortcut(chord("5", { ctrlKey: true }), false, VIEW_IDS)).toBe("activity");
    expect(viewForShortcut(chord("6", { ctrlKey: true }), false, VIEW_IDS)).toBe("jobs");
    expect(viewForShortcut(chord("8", { ctrlKey: true }), false, VIEW_IDS)).toBe("settings");
  });

  it("follows the sidebar when the Playground is not offered", () => {
    const production = visibleViews(false);
    expect(production).not.toContain("playground");
    expect(viewForShortcut(chord("7", { ctrlKey: true }), false, production)).toBe("settings");
    expect(viewForShortcut(chord("8", { ctrlKey: true }), false, production)).toBeNull();
  });

  it("uses Cmd on macOS and ignores Ctrl there", () => {
    expect(viewForShortcut(chord("2", { metaKey: true }), true, VIEW_IDS)).toBe("devices");
    expect(viewForShortcut(chord("2", { ctrlKey: true }), true, VIEW_IDS)).toBeNull();
  });

  it("ignores digits out of range, bare digits and extra modifiers", () => {
    expect(viewForShortcut(chord("9", { ctrlKey: true }), false, VIEW_IDS)).toBeNull();
    expect(viewForShortcut(chord("0", { ctrlKey: true }), false, VIEW_IDS)).toBeNull();
    expect(viewForShortcut(chord("1"), false, VIEW_IDS)).toBeNull();
    expect(viewForShortcut(chord("1", { ctrlKey: true, shiftKey: true }), false, VIEW_IDS)).toBeNull();
  });

  it("opens Settings with Ctrl+comma", () => {
    expect(viewForShortcut(chord(",", { ctrlKey: true }), false, VIEW_IDS)).toBe("settings");
  });
});

describe("isPaletteShortcut", () => {
  it("is Ctrl+K, or Cmd+K on macOS", () => {
    expect(isPaletteShortcut(chord("k", { ctrlKey: true }), false)).toBe(true);
    expect(isPaletteShortcut(chord("K", { ctrlKey: true }), false)).toBe(true);
    expect(isPaletteShortcut(chord("k", { metaKey: true }), true)).toBe(true);
    expect(isPaletteShortcut(chord("k", { metaKey: true }), false)).toBe(false);
    expect(isPaletteShortcut(chord("k"), false)).toBe(false);
  });
});

describe("neighbour", () => {
  it("moves forward and back, wrapping at both ends", () => {
    expect(neighbour(VIEW_IDS, "enrollments", "ArrowDown")).toBe("devices");
    expect(neighbour(VIEW_IDS, "settings", "ArrowDown")).toBe("enrollments");
    expect(neighbour(VIEW_IDS, "enrollments", "ArrowUp")).toBe("settings");
    expect(neighbour(VIEW_IDS, "devices", "ArrowRight")).toBe("sessions");
  });

  it("jumps to the first and last item with Home and End", () => {
    expect(neighbour(VIEW_IDS, "sessions", "Home")).toBe("enrollments");
    expect(neighbour(VIEW_IDS, "sessions", "End")).toBe("settings");
  });

  it("ignores other keys and empty lists", () => {
    expect(neighbour(VIEW_IDS, "sessions", "a")).toBeNull();
    expect(neighbour([], "x", "ArrowDown")).toBeNull();
  });
});

describe("shortcutLabel", () => {
  it("shows the platform's modifier", () => {
    expect(shortcutLabel(4, false)).toBe("Ctrl+4");
    expect(shortcutLabel(4, true)).toBe("⌘4");
  });
});

describe("rovingKeydown", () => {
  it("chooses the neighbour, focuses its button and keeps the key from scrolling the page", () => {
    const buttons = { a: document.createElement("button"), b: document.createElement("button") };
    document.body.append(buttons.a, buttons.b);
    const chosen: string[] = [];
    const onkeydown = rovingKeydown(() => ["a", "b"] as const, (item) => chosen.push(item), buttons);

    const arrow = new KeyboardEvent("keydown", { key: "ArrowRight", cancelable: true });
    onkeydown(arrow, "a");
    expect(chosen).toEqual(["b"]);
    expect(document.activeElement).toBe(buttons.b);
    expect(arrow.defaultPrevented).toBe(true);

    // Other keys (typing, Tab) are left alone.
    const tab = new KeyboardEvent("keydown", { key: "Tab", cancelable: true });
    onkeydown(tab, "b");
    expect(chosen).toEqual(["b"]);
    expect(tab.defaultPrevented).toBe(false);
  });
});

describe("listMove", () => {
  it("moves by one, by a page and to the ends, and stays inside the list", () => {
    expect(listMove("ArrowDown", 3, 10, 4)).toBe(4);
    expect(listMove("ArrowUp", 3, 10, 4)).toBe(2);
    expect(listMove("PageDown", 3, 10, 4)).toBe(7);
    expect(listMove("PageDown", 8, 10, 4)).toBe(9);
    expect(listMove("PageUp", 2, 10, 4)).toBe(0);
    expect(listMove("Home", 7, 10, 4)).toBe(0);
    expect(listMove("End", 0, 100_000, 4)).toBe(99_999);
    expect(listMove("ArrowDown", 9, 10, 4)).toBe(9);
    expect(listMove("ArrowUp", 0, 10, 4)).toBe(0);
  });

  it("leaves other keys, and an empty list, alone", () => {
    expect(listMove("a", 3, 10, 4)).toBeNull();
    expect(listMove("Enter", 3, 10, 4)).toBeNull();
    expect(listMove("ArrowDown", 0, 0, 4)).toBeNull();
  });
});
