import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LocationCount, LocationFilter } from "../../lib/ipc";
import LocationsPanel from "./LocationsPanel.svelte";

/** A chain's stores: "Store 001" … "Store 400", then one named to be found by typing, then the unassigned. */
function chain(): LocationCount[] {
  const stores: LocationCount[] = Array.from({ length: 400 }, (_, i) => ({
    location_id: `loc_${i + 1}`,
    name: `Store ${String(i + 1).padStart(3, "0")}`,
    count: i % 7,
  }));
  return [...stores, { location_id: "loc_malmo", name: "Malmö Triangeln", count: 3 }, { location_id: null, name: "", count: 9 }];
}

function renderPanel(current: LocationFilter = { kind: "any" }) {
  const picked: LocationFilter[] = [];
  render(LocationsPanel, {
    props: { counts: chain(), filtered: false, current, onpick: (filter: LocationFilter) => picked.push(filter) },
  });
  return { picked, list: screen.getByRole("listbox", { name: /location/i }) };
}

const focusedOption = () => document.activeElement as HTMLElement;

describe("LocationsPanel with a chain of 400 stores", () => {
  it("draws a screenful, yet tells each entry's place in the whole list", () => {
    const { list } = renderPanel();
    const drawn = within(list).getAllByRole("option");
    expect(drawn.length).toBeLessThan(40);
    expect(drawn[0]).toHaveTextContent("All locations");
    expect(drawn[0]).toHaveTextContent("1,209");
    expect(drawn[0]).toHaveAttribute("aria-setsize", "403");
    expect(drawn[1]).toHaveAttribute("aria-posinset", "2");
    // A name too long for the panel is cut with an ellipsis; the whole name is its tooltip.
    expect(within(drawn[1] as HTMLElement).getByTitle("Store 001")).toHaveTextContent("Store 001");
    expect(drawn[0]).toHaveAttribute("aria-selected", "true");
    expect(drawn.filter((option) => option.tabIndex === 0)).toHaveLength(1);
  });

  it("is one tab stop, on the chosen entry, however many stores there are", async () => {
    const user = userEvent.setup();
    renderPanel({ kind: "at", id: "loc_2" });
    await user.tab();
    expect(focusedOption()).toHaveTextContent("Store 002");
    expect(focusedOption()).toHaveAttribute("aria-selected", "true");
    await user.tab();
    expect(focusedOption()).toBe(document.body);
  });

  it("moves with the arrows, Home and End without choosing, and chooses with Enter or Space", async () => {
    const user = userEvent.setup();
    const { picked } = renderPanel();
    await user.tab();
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(focusedOption()).toHaveTextContent("Store 002");
    expect(picked).toEqual([]);
    await user.keyboard("{Enter}");
    expect(picked).toEqual([{ kind: "at", id: "loc_2" }]);

    // The last entry is far outside the first screenful: End still lands on it, drawn and focused.
    await user.keyboard("{End}");
    expect(focusedOption()).toHaveTextContent("Unassigned");
    expect(focusedOption()).toHaveAttribute("aria-posinset", "403");
    await user.keyboard(" ");
    expect(picked.at(-1)).toEqual({ kind: "unassigned" });

    await user.keyboard("{Home}");
    expect(focusedOption()).toHaveTextContent("All locations");
  });

  it("jumps to a store by typing the start of its name", async () => {
    const user = userEvent.setup();
    const { picked } = renderPanel();
    await user.tab();
    await user.keyboard("malm");
    expect(focusedOption()).toHaveTextContent("Malmö Triangeln");
    expect(focusedOption()).toHaveAttribute("data-location-id", "loc_malmo");
    // A space inside a name being typed is part of it, not a choice.
    await user.keyboard("{Home}");
    await new Promise((resolve) => setTimeout(resolve, 800));
    await user.keyboard("store 12");
    expect(focusedOption()).toHaveTextContent("Store 120");
    expect(picked).toEqual([]);
  });

  it("chooses with a click", async () => {
    const user = userEvent.setup();
    const { picked, list } = renderPanel();
    await user.click(within(list).getByText("Store 003"));
    expect(picked).toEqual([{ kind: "at", id: "loc_3" }]);
  });
});

describe("LocationsPanel laid out in a window", () => {
  // jsdom lays nothing out: the list is given the height a window would give it.
  beforeEach(() => {
    Object.defineProperty(HTMLElement.prototype, "clientHeight", {
      configurable: true,
      get(this: HTMLElement) {
        return this.getAttribute("role") === "listbox" ? 340 : 0;
      },
    });
  });
  afterEach(() => {
    delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight;
  });

  it("draws the rows in view, and shows the chosen store far down the list", () => {
    const { list } = renderPanel({ kind: "at", id: "loc_300" });
    expect(list.scrollTop).toBeGreaterThan(0);
    const drawn = within(list).getAllByRole("option");
    // 340 px of 34 px rows, and a few beyond each edge.
    expect(drawn.length).toBeLessThanOrEqual(10 + 2 * 4 + 1);
    const chosen = within(list).getByRole("option", { selected: true });
    expect(chosen).toHaveTextContent("Store 300");
    const top = Number.parseFloat(chosen.style.top);
    expect(top).toBeGreaterThanOrEqual(list.scrollTop);
    expect(top + 34).toBeLessThanOrEqual(list.scrollTop + 340);
  });
});
