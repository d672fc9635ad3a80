import { render } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { describe, expect, it, vi } from "vitest";
import Drawer from "./Drawer.svelte";

const body = createRawSnippet(() => ({ render: () => "<p>Session details</p>" }));

describe("Drawer", () => {
  it("tells the toasts how far to keep left while it is open, and stops when it closes", () => {
    const inset = () => document.documentElement.style.getPropertyValue("--drawer-inset");
    expect(inset()).toBe("");
    const drawer = render(Drawer, { props: { title: "Session", onclose: vi.fn(), children: body, width: 420 } });
    expect(inset()).toBe("452px");
    drawer.unmount();
    expect(inset()).toBe("");
  });
});
