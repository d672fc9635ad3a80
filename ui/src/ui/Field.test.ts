import { render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { describe, expect, it } from "vitest";
import Field, { type ControlProps } from "./Field.svelte";

const input = createRawSnippet<[ControlProps]>((props) => ({ render: () => `<input id="${props().id}" />` }));

describe("Field", () => {
  it("says an optional field is optional, apart from its label", () => {
    render(Field, { props: { label: "Store reference", optional: true, control: input } });
    // The words are those a screen reader announces and a person reads: a space before the bracket.
    expect(screen.getByLabelText("Store reference (optional)")).toBeInTheDocument();
  });
});
