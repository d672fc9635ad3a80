// A small cache of what views load from Rust, per profile: a view that comes back shows what it
// had at once and refreshes behind it when the data is old; a change invalidates what it touched;
// switching profiles starts from nothing. One pattern instead of a reload effect in every view.
import { shell } from "./shell.svelte";

export class Resource<T> {
  data = $state<T | null>(null);
  error = $state<unknown>(null);
  loading = $state(false);
  #fetch: () => Promise<T>;
  #loadedAt = 0;
  #pending: Promise<void> | null = null;

  constructor(fetch: () => Promise<T>) {
    this.#fetch = fetch;
  }

  /** Loads now (joining a load already running). Errors land in `error`; data is kept. */
  load(): Promise<void> {
    if (this.#pending) return this.#pending;
    this.loading = true;
    this.#pending = this.#fetch()
      .then(
        (data) => {
          this.data = data;
          this.error = null;
          this.#loadedAt = Date.now();
        },
        (thrown: unknown) => {
          this.error = thrown;
          this.#loadedAt = Date.now();
        },
      )
      .finally(() => {
        this.loading = false;
        this.#pending = null;
      });
    return this.#pending;
  }

  /** Replaces the data with a value the caller already has (the answer of a change). */
  set(data: T): void {
    this.data = data;
    this.error = null;
    this.#loadedAt = Date.now();
  }

  /** Loads unless fresh (younger than `maxAgeMs`), after the current update. */
  ensureFresh(maxAgeMs: number): void {
    if (this.#pending || (this.#loadedAt > 0 && Date.now() - this.#loadedAt < maxAgeMs)) return;
    queueMicrotask(() => void this.load());
  }

  /** Marks the data old: loaded again now if anything has shown it. */
  invalidate(): void {
    this.#loadedAt = 0;
    if (this.data !== null || this.error !== null) void this.load();
  }
}

const cache = new Map<string, Resource<unknown>>();
let cacheProfile: string | null = null;

/**
 * The profile's resource under `key`, created with `fetch` on first use and refreshed when older
 * than `maxAgeMs`. Reading it in a `$derived` re-runs when the active profile changes.
 */
export function resource<T>(key: string, fetch: () => Promise<T>, maxAgeMs = 30_000): Resource<T> {
  const profile = shell.active?.id ?? "";
  if (profile !== cacheProfile) {
    // Another profile: nothing cached belongs to it.
    cache.clear();
    cacheProfile = profile;
  }
  let entry = cache.get(key) as Resource<T> | undefined;
  if (!entry) {
    entry = new Resource(fetch);
    cache.set(key, entry as Resource<unknown>);
  }
  entry.ensureFresh(maxAgeMs);
  return entry;
}

/** Refreshes every resource whose key starts with `prefix` (after a change to what it holds). */
export function invalidate(prefix: string): void {
  for (const [key, entry] of cache) if (key.startsWith(prefix)) entry.invalidate();
}
