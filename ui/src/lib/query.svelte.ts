// Reads, cached per profile: what a view loads from Rust is a query under a typed key. A view that
// comes back shows what it had at once and refreshes behind it when the data is old; switching
// profiles starts from nothing. Each query provides tags (its key's first part, and any it names);
// a change declares the tags it makes stale (see `mutation.svelte.ts`), and every query that
// provides one of them loads again — no view invalidates anything by hand.
import { Problems } from "./problems.svelte";
import { shell } from "./shell.svelte";

/** What the data a query holds is about; a change names the tags it makes stale. */
export type Tag =
  | "locations"
  | "fleet"
  | "devices"
  | "codes"
  | "rollouts"
  | "profiles"
  | "sessions"
  | "session-settings"
  | "receiver"
  | "deliveries"
  | "activity"
  | "jobs";

/** Every tag: what a change that touches everything (a playground reset) makes stale. */
export const EVERY_TAG: readonly Tag[] = [
  "locations",
  "fleet",
  "devices",
  "codes",
  "rollouts",
  "profiles",
  "sessions",
  "session-settings",
  "receiver",
  "deliveries",
  "activity",
  "jobs",
];

/** A query's key: its tag, then whatever picks one answer out of several (a filter, a page). */
export type QueryKey = readonly [Tag, ...(string | number | boolean | null)[]];

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

interface Entry {
  resource: Resource<unknown>;
  tags: readonly Tag[];
}

export interface QueryOptions {
  /** How old the data may be before a view that shows it loads it again. */
  maxAgeMs?: number;
  /** Tags this query provides besides its key's own. */
  provides?: readonly Tag[];
}

const cache = new Map<string, Entry>();
let cacheProfile: string | null = null;

/**
 * The active profile's answer under `key`, fetched with `fetch` on first use and refreshed when
 * older than `maxAgeMs`. Reading it in a `$derived` re-runs when the active profile changes.
 */
export function query<T>(key: QueryKey, fetch: () => Promise<T>, options: QueryOptions = {}): Resource<T> {
  const profile = shell.active?.id ?? "";
  if (profile !== cacheProfile) {
    // Another profile: nothing cached belongs to it.
    cache.clear();
    cacheProfile = profile;
  }
  const id = JSON.stringify(key);
  let entry = cache.get(id);
  if (!entry) {
    entry = { resource: new Resource(fetch) as Resource<unknown>, tags: [key[0], ...(options.provides ?? [])] };
    cache.set(id, entry);
  }
  entry.resource.ensureFresh(options.maxAgeMs ?? 30_000);
  return entry.resource as Resource<T>;
}

/**
 * Marks every query providing one of `tags` stale. Only the mutation helper and the shared
 * background work (a fleet sync) call this; views declare what a change invalidates instead.
 */
export function invalidateTags(tags: readonly Tag[]): void {
  for (const entry of cache.values()) {
    if (entry.tags.some((tag) => tags.includes(tag))) entry.resource.invalidate();
  }
}

/**
 * An answer that follows its question as the user types (a cart's totals): each new question
 * replaces the last, only the latest answer is kept, and nothing is cached. Failures are filed by
 * field, as a form's are.
 */
export class Answer<Q, T> {
  data = $state<T | null>(null);
  readonly problems = new Problems();
  #fetch: (question: Q) => Promise<T>;
  #asked = 0;

  constructor(fetch: (question: Q) => Promise<T>) {
    this.#fetch = fetch;
  }

  ask(question: Q): void {
    const asked = ++this.#asked;
    this.#fetch(question).then(
      (data) => {
        if (asked !== this.#asked) return;
        this.data = data;
        this.problems.clear();
      },
      (thrown: unknown) => {
        if (asked !== this.#asked) return;
        this.data = null;
        this.problems.report(thrown);
      },
    );
  }

  /** No answer is possible (the question itself is malformed): says why, under `field`. */
  refuse(field: string, message: string): void {
    this.#asked += 1;
    this.data = null;
    this.problems.clear();
    this.problems.fields = { [field]: message };
  }
}
