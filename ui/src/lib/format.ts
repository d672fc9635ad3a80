// Dates, times, durations and money, written the way the chosen locale writes them. One place:
// every view formats through here, and Rust writes dates on printed cards by the same rules
// (both are tested against crates/fleet-core/tests/format_cases.json).
import { locale } from "./i18n.svelte";

/** Options for a date and time to the minute, per locale (24-hour clocks with two-digit hours). */
function clock(tag: string): Intl.DateTimeFormatOptions {
  return tag === "en-US" ? { hour: "numeric", minute: "2-digit" } : { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
}

const FIGURES: Intl.DateTimeFormatOptions = { year: "numeric", month: "2-digit", day: "2-digit" };

// Newer ICU puts a narrow no-break space before AM/PM; one kind of space reads the same everywhere.
const tidy = (text: string) => text.replace(/\u202f/g, " ");

// Making an Intl formatter loads and compiles its locale's patterns (a fraction of a millisecond
// each in WebKit, more while its JIT is cold); a table formats every row's dates on each
// keystroke in the filter. So each formatter is made once per locale and options. The keys come
// from a handful of locales, option sets and valid currency codes, so the caches stay small.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const numberFormats = new Map<string, Intl.NumberFormat>();
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();
const collators = new Map<string, Intl.Collator>();

function made<F>(cache: Map<string, F>, tag: string, options: object, make: () => F): F {
  const key = `${tag}|${JSON.stringify(options)}`;
  let formatter = cache.get(key);
  if (formatter === undefined) {
    formatter = make();
    cache.set(key, formatter);
  }
  return formatter;
}

function dateFormat(tag: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return made(dateFormats, tag, options, () => new Intl.DateTimeFormat(tag, options));
}

function numberFormat(tag: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  return made(numberFormats, tag, options, () => new Intl.NumberFormat(tag, options));
}

function parse(iso: string): Date | null {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "2026-11-22 14:05" (sv-SE), "22/11/2026, 14:05" (en-GB), "11/22/2026, 2:05 PM" (en-US). */
export function formatDateTime(iso: string, tag: string, timeZone?: string): string {
  const date = parse(iso);
  if (!date) return "—";
  return tidy(dateFormat(tag, { ...FIGURES, ...clock(tag), timeZone }).format(date));
}

/** "2026-11-22" (sv-SE), "22.11.2026" (nb-NO). */
export function formatDate(iso: string, tag: string, timeZone?: string): string {
  const date = parse(iso);
  if (!date) return "—";
  return dateFormat(tag, { ...FIGURES, timeZone }).format(date);
}

/**
 * When something happened, as short as a table cell needs: the time today ("14:05"), the day and
 * month this year ("3 nov."), the date before ("2025-11-03").
 */
export function formatMoment(iso: string, nowMs: number, tag: string): string {
  const date = parse(iso);
  if (!date) return "—";
  const now = new Date(nowMs);
  if (date.toDateString() === now.toDateString()) return tidy(dateFormat(tag, clock(tag)).format(date));
  if (date.getFullYear() === now.getFullYear()) return dateFormat(tag, { day: "numeric", month: "short" }).format(date);
  return formatDate(iso, tag);
}

/** "14:05:09" (sv-SE), "2:05:09 PM" (en-US). */
export function formatTime(iso: string, tag: string, timeZone?: string): string {
  const date = parse(iso);
  if (!date) return "—";
  return tidy(dateFormat(tag, { ...clock(tag), second: "2-digit", timeZone }).format(date));
}

/** Minor units in their currency: 123450 SEK → "1 234,50 kr" (sv-SE), "SEK 1,234.50" (en-GB). */
export function formatMoney(minor: number, currency: string, tag: string): string {
  try {
    return numberFormat(tag, { style: "currency", currency }).format(minor / 100);
  } catch {
    // Not an ISO currency code: the number, and the code as given.
    return `${numberFormat(tag, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(minor / 100)} ${currency}`;
  }
}

export function formatNumber(value: number, tag: string): string {
  return numberFormat(tag).format(value);
}

function unit(value: number, name: "day" | "hour" | "minute" | "second", tag: string): string {
  return numberFormat(tag, { style: "unit", unit: name, unitDisplay: "short" }).format(value);
}

/** A length of time, at most two units: "3 d 4 h", "1 h 59 min", "4 min 10 s", "12 s". */
export function formatDuration(totalSeconds: number, tag: string): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const [d, h, min, sec] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60];
  const join = (a: string, b: string) => `${a} ${b}`;
  if (d > 0) return join(unit(d, "day", tag), unit(h, "hour", tag));
  if (h > 0) return join(unit(h, "hour", tag), unit(min, "minute", tag));
  if (min > 0) return join(unit(min, "minute", tag), unit(sec, "second", tag));
  return unit(sec, "second", tag);
}

/** A countdown: "1:59:30" for hours, "14:05" within the hour; durations of days as above. */
export function formatCountdown(totalSeconds: number, tag: string): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s >= 86400) return formatDuration(s, tag);
  const [h, min, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(min)}:${two(sec)}` : `${min}:${two(sec)}`;
}

/** "4 min ago", "för 4 min sedan", "om 3 t" — relative to `nowMs`. */
export function formatRelative(iso: string, nowMs: number, tag: string): string {
  const date = parse(iso);
  if (!date) return "—";
  const seconds = Math.round((date.getTime() - nowMs) / 1000);
  const abs = Math.abs(seconds);
  const options: Intl.RelativeTimeFormatOptions = { numeric: "auto", style: "short" };
  const rtf = made(relativeFormats, tag, options, () => new Intl.RelativeTimeFormat(tag, options));
  if (abs < 60) return rtf.format(seconds, "second");
  if (abs < 3600) return rtf.format(Math.trunc(seconds / 60), "minute");
  if (abs < 86400) return rtf.format(Math.trunc(seconds / 3600), "hour");
  return rtf.format(Math.trunc(seconds / 86400), "day");
}

/** Currency units typed by a person ("12,50", "1 234.5") → minor units, or null if not a price. */
export function toMinor(text: string): number | null {
  const normalized = text.trim().replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(normalized)) return null;
  return Math.round(Number.parseFloat(normalized) * 100);
}

/** Seconds until `iso` (negative once past). */
export function secondsUntil(iso: string, nowMs: number): number {
  return Math.floor((Date.parse(iso) - nowMs) / 1000);
}

/**
 * Names in the order people expect them in `language`: its alphabet (å ä ö at the end, in the
 * Swedish or the Norwegian order), case aside, and numbers by value ("Till 2" before "Till 10"),
 * as the fleet's own lists are ordered in Rust (`name_order`).
 */
export function compareNames(a: string, b: string, language: string): number {
  return made(collators, language, {}, () => new Intl.Collator(language, { numeric: true, sensitivity: "base" })).compare(a, b);
}

/** The formatters in the locale in force (reactive: views re-render when it changes). */
export const fmt = {
  dateTime: (iso: string) => formatDateTime(iso, locale.format),
  date: (iso: string) => formatDate(iso, locale.format),
  time: (iso: string) => formatTime(iso, locale.format),
  money: (minor: number, currency: string) => formatMoney(minor, currency, locale.format),
  number: (value: number) => formatNumber(value, locale.format),
  duration: (seconds: number) => formatDuration(seconds, locale.format),
  countdown: (seconds: number) => formatCountdown(seconds, locale.format),
  relative: (iso: string, nowMs: number) => formatRelative(iso, nowMs, locale.format),
  moment: (iso: string, nowMs: number) => formatMoment(iso, nowMs, locale.format),
  compareNames: (a: string, b: string) => compareNames(a, b, locale.language),
};
