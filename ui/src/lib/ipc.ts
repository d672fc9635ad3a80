// The one module views use to talk to Rust: typed commands, typed events, and errors turned into
// something to show. Nothing else imports the generated bindings (a test checks), so every call
// is typed end to end and every error is handled the same way.
import { commands, events, type AppError } from "./bindings";
import { locale, m } from "./i18n.svelte";

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

/**
 * A message fit to show a store manager, whatever was thrown. Errors cross from Rust as a code
 * with parameters; the words are chosen here, in the UI's language. Rust's own message is more
 * specific (it names the field, the store, the API's reason) and is written in English, so an
 * English UI shows it as it is and the other languages show the translated sentence for the code.
 */
export function describeError(thrown: unknown): string {
  if (thrown instanceof CommandError) {
    return locale.language === "en" ? thrown.error.message : errorSentence(thrown.error);
  }
  if (thrown instanceof Error) return thrown.message;
  return String(thrown);
}

/** The translated sentence for an error's code, with its parameters. */
export function errorSentence(error: AppError): string {
  switch (error.code) {
    case "UNAUTHORIZED":
      return m.error_unauthorized();
    case "FORBIDDEN":
      return m.error_forbidden();
    case "NOT_FOUND":
      return m.error_not_found();
    case "CONFLICT":
      return m.error_conflict();
    case "VALIDATION":
      return m.error_validation();
    case "RATE_LIMITED":
      return m.error_rate_limited({ seconds: String(error.retry_after_secs) });
    case "OFFLINE":
      return m.error_offline();
    case "TIMEOUT":
      return m.error_timeout();
    case "OUTCOME_UNKNOWN":
      return m.error_outcome_unknown();
    case "CONFIRMATION_REQUIRED":
      return m.error_confirmation_required({ expected: error.expected });
    case "SERVER":
      return m.error_server();
    case "KEYCHAIN_UNAVAILABLE":
      return m.error_keychain();
    case "STORAGE":
      return m.error_storage();
    case "INTERNAL":
      return m.error_internal();
  }
}

/**
 * Field errors of a validation failure (`{ location_id: "Choose a store." }`), else none. Rust
 * words them in English; another language shows its own sentence on each marked field.
 */
export function fieldErrors(thrown: unknown): Record<string, string> {
  const error = appError(thrown);
  if (error?.code !== "VALIDATION") return {};
  if (locale.language === "en") return error.fields;
  return Object.fromEntries(Object.keys(error.fields).map((field) => [field, m.error_field_invalid()]));
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
