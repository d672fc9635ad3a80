import { fireEvent, render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { describe, expect, it, vi } from "vitest";
import DataTable from "./DataTable.svelte";

interface Row {
  id: string;
  name: string;
}

const row = createRawSnippet((item: () => Row) => ({ render: () => `<tr><td>${item().name}</td></tr>` }));
const empty = createRawSnippet(() => ({ render: () => "<p>No codes yet</p>" }));
const props = { label: "Codes", columns: [{ key: "name", label: "Name" }], key: (r: Row) => r.id, row, empty };

describe("DataTable", () => {
  it("shows skeleton rows while loading, never the empty message", () => {
    render(DataTable<Row>, { props: { ...props, rows: null } });
    expect(screen.getByTestId("skeleton")).toHaveAttribute("aria-busy", "true");
    expect(screen.queryByText("No codes yet")).toBeNull();
  });

  it("shows the empty message once loaded with nothing", () => {
    render(DataTable<Row>, { props: { ...props, rows: [] } });
    expect(screen.getByText("No codes yet")).toBeInTheDocument();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("shows the rows in a labelled table", () => {
    render(DataTable<Row>, { props: { ...props, rows: [{ id: "1", name: "Till 1" }] } });
    expect(screen.getByRole("table", { name: "Codes" })).toBeInTheDocument();
    expect(screen.getByRole("cell", { name: "Till 1" })).toBeInTheDocument();
  });

  it("shows a failure with a way to try again", async () => {
    const onretry = vi.fn();
    render(DataTable<Row>, { props: { ...props, rows: null, error: "Kustom cannot be reached.", onretry } });
    expect(screen.getByRole("alert")).toHaveTextContent("Kustom cannot be reached.");
    expect(screen.queryByTestId("skeleton")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(onretry).toHaveBeenCalledOnce();
  });
});
