// Tells the probe that this stage has painted: two animation frames after mounting, the same rule
// Fleetdesk uses before it reports its first view.
export function reportPainted(): void {
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      void fetch("/__ready");
    }),
  );
}
