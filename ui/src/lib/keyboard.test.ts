import { describe, expect, it } from "vitest";
import { neighbourView, shortcutLabel, viewForShortcut, type KeyChord } from "./keyboard";

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
    expect(viewForShortcut(chord("1", { ctrlKey: true }), false)).toBe("enrollments");
    expect(viewForShortcut(chord("3", { ctrlKey: true }), false)).toBe("sessions");
    expect(viewForShortcut(chord("6", { ctrlKey: true }), false)).toBe("settings");
  });

  it("uses Cmd on macOS and ignores Ctrl there", () => {
    expect(viewForShortcut(chord("2", { metaKey: true }), true)).toBe("devices");
    expect(viewForShortcut(chord("2", { ctrlKey: true }), true)).toBeNull();
  });

  it("ignores digits out of range, bare digits and extra modifiers", () => {
    expect(viewForShortcut(chord("7", { ctrlKey: true }), false)).toBeNull();
    expect(viewForShortcut(chord("0", { ctrlKey: true }), false)).toBeNull();
    expect(viewForShortcut(chord("1"), false)).toBeNull();
    expect(viewForShortcut(chord("1", { ctrlKey: true, shiftKey: true }), false)).toBeNull();
  });

  it("opens Settings with Ctrl+comma", () => {
    expect(viewForShortcut(chord(",", { ctrlKey: true }), false)).toBe("settings");
  });
});

describe("neighbourView", () => {
  it("moves down and up, wrapping at both ends", () => {
    expect(neighbourView("enrollments", "ArrowDown")).toBe("devices");
    expect(neighbourView("settings", "ArrowDown")).toBe("enrollments");
    expect(neighbourView("enrollments", "ArrowUp")).toBe("settings");
  });

  it("jumps to the first and last item with Home and End", () => {
    expect(neighbourView("sessions", "Home")).toBe("enrollments");
    expect(neighbourView("sessions", "End")).toBe("settings");
  });

  it("ignores other keys", () => {
    expect(neighbourView("sessions", "a")).toBeNull();
  });
});

describe("shortcutLabel", () => {
  it("shows the platform's modifier", () => {
    expect(shortcutLabel("locations", false)).toBe("Ctrl+4");
    expect(shortcutLabel("locations", true)).toBe("⌘4");
  });
});
