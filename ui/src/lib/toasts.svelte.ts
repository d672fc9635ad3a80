// Short notes in the corner: what finished in the background, and background failures (a
// form's errors stay on the form, a view's in its banner).

export interface Toast {
  id: number;
  tone: "success" | "error" | "info";
  text: string;
}

export const toasts = $state<Toast[]>([]);
let next = 1;

const LIFETIME_MS = { success: 5000, info: 5000, error: 9000 } as const;

function push(tone: Toast["tone"], text: string): void {
  const id = next++;
  toasts.push({ id, tone, text });
  // Never more than four at once: the oldest go first.
  while (toasts.length > 4) toasts.shift();
  setTimeout(() => dismiss(id), LIFETIME_MS[tone]);
}

export function dismiss(id: number): void {
  const index = toasts.findIndex((t) => t.id === id);
  if (index >= 0) toasts.splice(index, 1);
}

export const toast = {
  success: (text: string) => push("success", text),
  info: (text: string) => push("info", text),
  error: (text: string) => push("error", text),
};
