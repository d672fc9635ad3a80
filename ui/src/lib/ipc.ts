// The one place the UI turns a command's `Result` into a value or a thrown `CommandError`.
// Views import commands from here, never `invoke` directly, so every call is typed end to end.
import { commands, type AppError } from "./bindings";

export { commands };

/** A command failed; `error` is the backend's `{ code, message }`. */
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
export async function run<T>(call: Promise<CommandResult<T>>): Promise<T> {
  const result = await call;
  if (result.status === "error") throw new CommandError(result.error);
  return result.data;
}

/** A message fit to show a store manager, whatever was thrown. */
export function describeError(thrown: unknown): string {
  if (thrown instanceof CommandError) return thrown.error.message;
  if (thrown instanceof Error) return thrown.message;
  return String(thrown);
}
