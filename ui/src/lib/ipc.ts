// The one module views use to talk to Rust: typed commands, typed events, and the error a failed
// command throws. Nothing else imports the generated bindings (a test checks), so every call is
// typed end to end; `errors.ts` words what failed.
import { commands, events, type AppError } from "./bindings";

export { commands, events };
export type * from "./bindings";

/** A command failed; `error` is the backend's `{ code, message, … }`. */
export class CommandError extends Error {
  readonly error: AppError;

  constructor(error: AppError) {
    super(error.message);
    this.name = "CommandError";
    this.error = error;
  }
}

type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

/** Awaits a generated command and returns its data, throwing `CommandError` on failure. */
export async function call<T>(pending: Promise<CommandResult<T>>): Promise<T> {
  const result = await pending;
  if (result.status === "error") throw new CommandError(result.error);
  return result.data;
}

/** The error behind whatever was thrown, if it came from a command. */
export function appError(thrown: unknown): AppError | null {
  return thrown instanceof CommandError ? thrown.error : null;
}

interface Listenable<T> {
  listen: (handler: (event: { payload: T }) => void) => Promise<() => void>;
}

/**
 * Listens to a typed event until the returned function is called. Made for `$effect`:
 * `$effect(() => subscribe(events.x, (payload) => …))` stops listening when the component goes.
 */
export function subscribe<T>(event: Listenable<T>, handler: (payload: T) => void): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  event
    .listen((e) => handler(e.payload))
    .then((unlisten) => {
      if (stopped) unlisten();
      else stop = unlisten;
    })
    .catch(() => {
      // No backend (a component test): nothing will arrive.
    });
  return () => {
    stopped = true;
    stop?.();
  };
}
