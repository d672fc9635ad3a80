// A user action that must not run twice at once: buttons and forms show `busy` and ignore a
// second click or Enter while the first is still running.

export interface Action<A extends unknown[]> {
  readonly busy: boolean;
  run: (...args: A) => Promise<void>;
}

export function action<A extends unknown[]>(work: (...args: A) => Promise<void>): Action<A> {
  let busy = $state(false);
  return {
    get busy() {
      return busy;
    },
    async run(...args: A) {
      if (busy) return;
      busy = true;
      try {
        await work(...args);
      } finally {
        busy = false;
      }
    },
  };
}
