// A long list read in windows as it scrolls (the fleet table: 100,000 devices, 50 rows at a
// time). It is a read, like a query, but one that a keystroke in the filter starts over: windows
// are asked for by position, a new question replaces the old one (its late answers are dropped),
// and the previous rows stay on screen until the new answer replaces them, so typing never
// flashes an empty table. Failures land in `error`, worded for the user.
import { describeError } from "./errors";

/** One window's answer: the rows from `offset`, and how many there are in all. */
export interface RowPage<T> {
  total: number;
  offset: number;
  rows: T[];
}

export class RowWindows<T> {
  total = $state<number | null>(null);
  rows = $state<Map<number, T>>(new Map());
  error = $state<string | null>(null);
  #size: number;
  #fetch: (offset: number, limit: number) => Promise<RowPage<T>>;
  #requested = new Set<number>();
  /** The rows shown belong to the previous question. */
  #stale = false;
  #question = 0;

  constructor(size: number, fetch: (offset: number, limit: number) => Promise<RowPage<T>>) {
    this.#size = size;
    this.#fetch = fetch;
  }

  /** A new question (filter, sort, or data changed): asks again from row `start`. */
  restart(start: number, fetch: (offset: number, limit: number) => Promise<RowPage<T>>): Promise<void> {
    this.#fetch = fetch;
    this.#question += 1;
    this.#requested = new Set();
    this.#stale = true;
    return this.ensure(start);
  }

  /** Asks for the window holding row `index`, unless it was asked for already. */
  ensure(index: number): Promise<void> {
    const offset = Math.max(0, Math.floor(index / this.#size) * this.#size);
    if (this.#requested.has(offset)) return Promise.resolve();
    this.#requested.add(offset);
    const question = this.#question;
    return this.#fetch(offset, this.#size).then(
      (page) => {
        if (question !== this.#question) return;
        this.total = page.total;
        const next = this.#stale ? new Map<number, T>() : new Map(this.rows);
        this.#stale = false;
        page.rows.forEach((row, i) => next.set(page.offset + i, row));
        this.rows = next;
        this.error = null;
      },
      (thrown: unknown) => {
        this.#requested.delete(offset);
        if (question === this.#question) this.error = describeError(thrown);
      },
    );
  }
}
