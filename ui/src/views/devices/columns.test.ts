import { describe, expect, it } from "vitest";
import { COLUMNS, MAX_WIDTH, resized, shownColumns, toggled } from "./columns";

describe("device table columns", () => {
  it("shows name, location, platform, metadata and last activity by default", () => {
    expect(shownColumns({}).map((c) => c.key)).toEqual(["name", "location", "platform", "metadata", "last_activity"]);
  });

  it("fits a 1024-pixel window: fixed columns plus metadata's minimum", () => {
    // The window minus the narrow sidebar (60), page padding (40), the locations panel and its
    // gap (204) and the table's frame and checkbox column (54).
    const room = 1024 - 60 - 40 - 204 - 54;
    const needed = shownColumns({}).reduce((sum, c) => sum + (c.flex ? c.min : c.current), 0);
    expect(needed).toBeLessThanOrEqual(room);
  });

  it("keeps widths within bounds", () => {
    expect(resized({}, "name", 10).name?.width).toBe(COLUMNS[0]?.min);
    expect(resized({}, "name", 10_000).name?.width).toBe(MAX_WIDTH);
  });

  it("hides and shows columns, but never the name", () => {
    const hidden = toggled({}, "platform", true);
    expect(shownColumns(hidden).map((c) => c.key)).not.toContain("platform");
    const shown = toggled({}, "hardware_id", false);
    expect(shownColumns(shown).map((c) => c.key)).toContain("hardware_id");
    expect(toggled({}, "name", true)).toEqual({});
  });
});
