// When the page reached each step of its start, reported with the first paint so that
// `cargo xtask bench startup` can say where the page's time goes (see `PageMarks` in Rust).
import { call, commands, type PageMarks } from "./ipc";

const steps = { script: 0, mounted: 0, boot: 0 };

/** Notes that a step was reached, now (ms after the page's time origin). */
export function markStartup(step: keyof typeof steps): void {
  steps[step] = performance.now();
}

/** Every step, with the first paint at this moment. */
export function startupMarks(): PageMarks {
  const [navigation] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
  return {
    time_origin: performance.timeOrigin,
    html_parsed: navigation?.domInteractive ?? 0,
    ...steps,
    painted: performance.now(),
  };
}

/** Tells Rust the first view is painted (for the log and the bench); nothing depends on it. */
export function reportFirstPaint(view: string): void {
  call(commands.reportFirstPaint(view, startupMarks())).catch(() => {
    // Not reported: only the start-up figures miss it.
  });
}
