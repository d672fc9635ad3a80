import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import LocationSelect, { NO_LOCATION } from "./LocationSelect.svelte";

// No backend here: the locations do not load, so only the empty choices are listed.
describe("LocationSelect", () => {
  it("asks for a choice before moving devices, with Unassigned as a choice of its own", async () => {
    let chosen = "";
    render(LocationSelect, {
      props: { label: "Location", value: "", empty: "choose_or_none", onchange: (value: string) => (chosen = value) },
    });
    const select = screen.getByLabelText<HTMLSelectElement>("Location");
    const [prompt, unassigned] = [...select.options];
    expect(select.value).toBe("");
    expect(prompt?.disabled).toBe(true);
    expect(prompt?.textContent).toMatch(/choose/i);
    expect(unassigned?.textContent).toBe("Unassigned");
    expect(unassigned?.disabled).toBe(false);

    select.value = NO_LOCATION;
    await fireEvent.change(select);
    expect(chosen).toBe(NO_LOCATION);
  });

  it("keeps the empty value for Unassigned where it is the default", () => {
    render(LocationSelect, { props: { label: "Location", value: "", empty: "none" } });
    const select = screen.getByLabelText<HTMLSelectElement>("Location");
    expect(select.options[0]?.value).toBe("");
    expect(select.options[0]?.textContent).toBe("Unassigned");
    expect(select.options[0]?.disabled).toBe(false);
  });
});
