// What went wrong, filed where a view shows it: errors about a field beside that field, anything
// else as one message.
import { describeError, fieldErrors } from "./errors";

/**
 * What went wrong, where a view shows it: `fields` beside their inputs, `message` in the view's
 * banner. Several mutations of one form may share one.
 */
export class Problems {
  fields = $state<Record<string, string>>({});
  message = $state<string | null>(null);

  /** Files a failure: by field when it is a validation failure with fields, else as a message. */
  report(thrown: unknown): void {
    const fields = fieldErrors(thrown);
    this.fields = fields;
    this.message = Object.keys(fields).length > 0 ? null : describeError(thrown);
  }

  clear(): void {
    this.fields = {};
    this.message = null;
  }

  /** What went wrong in one sentence, for a single field or a form with one place to say it. */
  get summary(): string | null {
    return this.message ?? Object.values(this.fields)[0] ?? null;
  }
}
