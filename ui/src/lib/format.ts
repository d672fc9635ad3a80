// Formatting shared by the views, kept pure so Vitest can check it.

/** Time left until `expiresAt`, as a countdown: "1 h 59 min", "14:05", or "Expired". */
export function timeLeft(expiresAt: string, nowMs: number): string {
  const left = Math.floor((Date.parse(expiresAt) - nowMs) / 1000);
  if (Number.isNaN(left)) return "—";
  if (left <= 0) return "Expired";
  const hours = Math.floor(left / 3600);
  const minutes = Math.floor((left % 3600) / 60);
  const seconds = left % 60;
  if (hours >= 24) return `${Math.floor(hours / 24)} d ${hours % 24} h`;
  if (hours >= 1) return `${hours} h ${minutes} min`;
  return `${minutes}:${String(seconds).padStart(2, "0")}`;
}

/** Seconds until `expiresAt` (negative once past). */
export function secondsLeft(expiresAt: string, nowMs: number): number {
  return Math.floor((Date.parse(expiresAt) - nowMs) / 1000);
}

/** "store_id = 123, region = EU" */
export function metadataSummary(metadata: Partial<Record<string, string>>, hide: string[] = []): string {
  return Object.entries(metadata)
    .filter(([key]) => !hide.includes(key))
    .map(([key, value]) => `${key} = ${value ?? ""}`)
    .join(", ");
}

/** A local date and time, e.g. "21 Nov 2026, 14:30". */
export function dateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return date.toLocaleString(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}
