import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import TextField from "./TextField.svelte";

describe("TextField", () => {
  it("is labelled, and says what is wrong with it to assistive technology", () => {
    render(TextField, { props: { label: "Device label", value: "", hint: "e.g. Till 3", error: "Too long." } });
    const input = screen.getByRole("textbox", { name: "Device label" });
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription("Too long. e.g. Till 3");
  });

  it("is not marked invalid without an error", () => {
    render(TextField, { props: { label: "Name", value: "Till 1" } });
    const input = screen.getByRole("textbox", { name: "Name" });
    expect(input).not.toHaveAttribute("aria-invalid");
    expect(input).toHaveValue("Till 1");
  });

  it("keeps a hidden label for screen readers", () => {
    render(TextField, { props: { label: "Search devices", value: "", hideLabel: true } });
    expect(screen.getByRole("textbox", { name: "Search devices" })).toBeInTheDocument();
  });
});
