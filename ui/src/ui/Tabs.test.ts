import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import Tabs from "./Tabs.svelte";

describe("Tabs", () => {
  const tabs = [
    { id: "codes", label: "Pairing codes" },
    { id: "rollouts", label: "Store rollouts" },
  ];

  it("marks the current tab and leaves one tab stop", () => {
    render(Tabs, { props: { tabs, current: "codes", label: "Enrollments", panels: "p", onchange: vi.fn() } });
    const [first, second] = screen.getAllByRole("tab");
    expect(first).toHaveAttribute("aria-selected", "true");
    expect(first).toHaveAttribute("tabindex", "0");
    expect(second).toHaveAttribute("tabindex", "-1");
    expect(first).toHaveAttribute("aria-controls", "p-codes");
  });

  it("moves with the arrow keys, wrapping", async () => {
    const onchange = vi.fn();
    render(Tabs, { props: { tabs, current: "codes", label: "Enrollments", panels: "p", onchange } });
    const [first] = screen.getAllByRole("tab");
    await fireEvent.keyDown(first!, { key: "ArrowRight" });
    expect(onchange).toHaveBeenLastCalledWith("rollouts");
    await fireEvent.keyDown(first!, { key: "ArrowLeft" });
    expect(onchange).toHaveBeenLastCalledWith("rollouts");
    await fireEvent.keyDown(first!, { key: "Home" });
    expect(onchange).toHaveBeenLastCalledWith("codes");
  });
});
