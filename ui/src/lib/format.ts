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

/** An amount in minor units in its currency's units: 240000 SEK → "2,400.00 SEK" (locale-dependent). */
export function money(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency, currencyDisplay: "code" }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** "12 s", "4 min", "2 h" since `iso`. */
export function age(iso: string, nowMs: number): string {
  const seconds = Math.max(0, Math.floor((nowMs - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h`;
}

/** Currency units typed by a person ("12,50" or "12.5") → minor units, or null if not a price. */
export function toMinor(text: string): number | null {
  const normalized = text.trim().replace(/\s/g, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(normalized)) return null;
  return Math.round(Number.parseFloat(normalized) * 100);
}
