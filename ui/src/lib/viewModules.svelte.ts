// Each view's code is a chunk of its own, fetched the first time the view opens. At start-up the
// page then reads only the shell and the first view: the time between the HTML and the first
// script line grows with the bundle's size.
// The Enrollments view, where a first start opens, stays in the main chunk; after the first paint
// the other views are fetched one by one in the background, so switching never waits in practice.
import { untrack, type Component } from "svelte";
import EnrollmentsView from "../views/EnrollmentsView.svelte";
import type { ViewId } from "./views";

type LazyViewId = Exclude<ViewId, "enrollments">;

const LOADERS: Record<LazyViewId, () => Promise<{ default: Component }>> = {
  devices: () => import("../views/DevicesView.svelte"),
  sessions: () => import("../views/SessionsView.svelte"),
  locations: () => import("../views/LocationsView.svelte"),
  activity: () => import("../views/ActivityView.svelte"),
  jobs: () => import("../views/JobsView.svelte"),
  playground: () => import("../views/PlaygroundView.svelte"),
  settings: () => import("../views/SettingsView.svelte"),
};

/** The views whose code is here, and those whose code could not be fetched (replaced, not
 * changed in place: raw state is reactive to assignment only). */
let loaded = $state.raw<Partial<Record<ViewId, Component>>>({ enrollments: EnrollmentsView });
let failed = $state.raw<ReadonlySet<ViewId>>(new Set());

const pending = new Map<ViewId, Promise<void>>();

/** A view's component, if its code is here. */
export function viewComponent(view: ViewId): Component | undefined {
  return loaded[view];
}

/** Whether fetching a view's code failed (and nothing has retried it since). */
export function viewFailed(view: ViewId): boolean {
  return failed.has(view);
}

/**
 * Fetches a view's code once; resolves when it is here (or has failed, see `viewFailed`). An
 * action, not a read: an effect that calls it does not come to depend on the loader's state (or a
 * failed fetch would re-run that effect, which would fetch again, without end).
 */
export function loadView(view: ViewId): Promise<void> {
  return untrack(() => startLoading(view));
}

function startLoading(view: ViewId): Promise<void> {
  if (view === "enrollments" || loaded[view]) return Promise.resolve();
  const running = pending.get(view);
  if (running) return running;
  if (failed.has(view)) failed = new Set([...failed].filter((other) => other !== view));
  const loading = LOADERS[view]()
    .then((module) => {
      loaded = { ...loaded, [view]: module.default };
    })
    .catch(() => {
      failed = new Set([...failed, view]);
    })
    .finally(() => pending.delete(view));
  pending.set(view, loading);
  return loading;
}

/** Fetches every other view's code, one at a time, so the first visit to each opens at once. */
export async function prefetchViews(): Promise<void> {
  for (const view of Object.keys(LOADERS) as LazyViewId[]) await loadView(view);
}
