// Signals the first paint exactly as Fleetdesk's UI does: after two animation frames.
requestAnimationFrame(() =>
  requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke("report_first_paint", {
      view: "minimal",
      timeOrigin: performance.timeOrigin,
    })),
);
