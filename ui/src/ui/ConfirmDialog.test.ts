import { fireEvent, render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { describe, expect, it, vi } from "vitest";
import ConfirmDialog from "./ConfirmDialog.svelte";

const body = createRawSnippet(() => ({ render: () => "<p>The device can no longer take payments.</p>" }));

describe("ConfirmDialog", () => {
  it("on production, confirms only once the name is typed exactly", async () => {
    const onconfirm = vi.fn();
    render(ConfirmDialog, {
      props: { open: true, title: "Deregister “Till 1”?", confirmLabel: "Deregister", production: true, typeToConfirm: "Till 1", onconfirm, oncancel: vi.fn(), children: body },
    });
    const confirm = screen.getByTestId("confirm-button");
    expect(confirm).toBeDisabled();
    const typed = screen.getByTestId("confirm-typed");
    await fireEvent.input(typed, { target: { value: "Till 2" } });
    expect(confirm).toBeDisabled();
    await fireEvent.input(typed, { target: { value: "Till 1" } });
    expect(confirm).toBeEnabled();
    await fireEvent.click(confirm);
    expect(onconfirm).toHaveBeenCalledWith("Till 1");
  });

  it("elsewhere, confirms at once and passes nothing typed", async () => {
    const onconfirm = vi.fn();
    render(ConfirmDialog, {
      props: { open: true, title: "Cancel code?", confirmLabel: "Cancel code", production: false, typeToConfirm: "ABCD1234", onconfirm, oncancel: vi.fn(), children: body },
    });
    expect(screen.queryByTestId("confirm-typed")).toBeNull();
    await fireEvent.click(screen.getByTestId("confirm-button"));
    expect(onconfirm).toHaveBeenCalledWith(null);
  });

  it("names itself by its title", () => {
    render(ConfirmDialog, {
      props: { open: true, title: "Delete the view “North”?", confirmLabel: "Delete", production: false, onconfirm: vi.fn(), oncancel: vi.fn(), children: body },
    });
    expect(screen.getByRole("dialog", { name: "Delete the view “North”?" })).toBeInTheDocument();
  });
});
