// What a failure says to a store manager: a command's `{ code, message }` worded in the UI's
// language, and a validation failure's errors by field.
import { locale, m } from "./i18n.svelte";
import { appError, CommandError, type AppError } from "./ipc";

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
    case "IPP_NOT_ENABLED":
      return m.error_ipp_not_enabled();
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
      return m.error_confirmation_required();
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
