// The one way a view changes data: a mutation. It runs once at a time (a second click while the
// first is running is ignored), shows a failure the one way failures are shown — errors about a
// field next to that field, anything else in the view's banner or as a toast — and after success
// marks stale what it declared it changes. Views have no try/catch of their own (a test checks).
import { describeError, fieldErrors } from "./errors";
import { Problems } from "./problems.svelte";
import { invalidateTags, type Tag } from "./query.svelte";
import { toast } from "./toasts.svelte";

export { Problems };

export interface MutationOptions<R = unknown> {
  /**
   * What the change makes stale: every query providing one of these loads again once it has run —
   * after a failure too, since a change that failed half-way (a rollout, a bulk action) may have
   * changed part of what it touched. A function decides from the result (after success only).
   */
  invalidates?: readonly Tag[] | ((result: R) => readonly Tag[]);
  /**
   * Where a failure that is not about a field goes: `problems` (the view's banner, the default)
   * or a toast (work that ran in the background of the view, such as printing).
   */
  show?: "problems" | "toast";
  /** Where failures are filed; each mutation has its own unless it is given one to share. */
  problems?: Problems;
  /** Runs after a failure was filed (to focus the first field in error). */
  failed?: (problems: Problems) => void | Promise<void>;
  /** Runs after the work, whether it worked or not (closing a confirmation dialog). */
  settled?: () => void;
}

export interface Mutation<A extends unknown[], R> {
  /** Whether it is running (buttons show it and ignore clicks). */
  readonly busy: boolean;
  /** Its failures, for the view to show. */
  readonly problems: Problems;
  /** Runs the change; resolves to its result, or to `undefined` when it failed (and was shown). */
  run: (...args: A) => Promise<R | undefined>;
}

export function mutation<A extends unknown[], R>(
  work: (...args: A) => Promise<R>,
  options: MutationOptions<R> = {},
): Mutation<A, R> {
  let busy = $state(false);
  const problems = options.problems ?? new Problems();
  return {
    get busy() {
      return busy;
    },
    problems,
    async run(...args: A): Promise<R | undefined> {
      if (busy) return undefined;
      busy = true;
      problems.clear();
      try {
        const result = await work(...args);
        if (typeof options.invalidates === "function") invalidateTags(options.invalidates(result));
        return result;
      } catch (thrown) {
        if (options.show === "toast") {
          const fields = fieldErrors(thrown);
          if (Object.keys(fields).length > 0) problems.fields = fields;
          else toast.error(describeError(thrown));
        } else {
          problems.report(thrown);
        }
        await options.failed?.(problems);
        return undefined;
      } finally {
        busy = false;
        if (Array.isArray(options.invalidates)) invalidateTags(options.invalidates);
        options.settled?.();
      }
    },
  };
}
