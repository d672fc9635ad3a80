// Signals the first paint exactly as Fleetdesk's UI does: after two animation frames, with the
// page's own clock (its time origin and when the frames had passed), so the bench can place the
// page's steps on the process's time line for the baseline too.
requestAnimationFrame(() =>
  requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke("report_first_paint", {
      view: "minimal",
      timeOrigin: performance.timeOrigin,
      painted: performance.now(),
    })),
);
