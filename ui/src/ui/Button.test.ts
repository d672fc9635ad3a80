import { fireEvent, render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { describe, expect, it, vi } from "vitest";
import Button from "./Button.svelte";

const text = (value: string) => createRawSnippet(() => ({ render: () => `<span>${value}</span>` }));

describe("Button", () => {
  it("is busy while its action runs and ignores a second click", async () => {
    let finish: () => void = () => {};
    const onclick = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    render(Button, { props: { onclick, children: text("Create code") } });
    const button = screen.getByRole("button", { name: "Create code" });

    await fireEvent.click(button);
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute("aria-busy", "true");
    await fireEvent.click(button);
    expect(onclick).toHaveBeenCalledTimes(1);

    finish();
    await vi.waitFor(() => expect(button).toBeEnabled());
    expect(button).not.toHaveAttribute("aria-busy");
    await fireEvent.click(button);
    expect(onclick).toHaveBeenCalledTimes(2);
  });

  it("stays clickable for actions that return at once", async () => {
    const onclick = vi.fn();
    render(Button, { props: { onclick, children: text("Close") } });
    const button = screen.getByRole("button", { name: "Close" });
    await fireEvent.click(button);
    await fireEvent.click(button);
    expect(onclick).toHaveBeenCalledTimes(2);
    expect(button).toBeEnabled();
  });

  it("can be made busy from outside (a form's submit)", () => {
    render(Button, { props: { busy: true, children: text("Save") } });
    expect(screen.getByRole("button", { name: "Save" })).toBeDisabled();
  });
});
