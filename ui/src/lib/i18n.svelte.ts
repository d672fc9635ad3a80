// The language of the words and the locale of dates, times and money, as Rust resolved them
// (the user's choice in Settings, else the operating system's). Messages come from Paraglide's
// compiled catalogs (ui/messages/*.json); `locale.key` changes when the language does, so the
// app can re-render every message at once.
import { m } from "../paraglide/messages.js";
import { setLocale } from "../paraglide/runtime.js";
import type { FormatLocale, Language, LocaleInfo } from "./ipc";

export { m };

interface LocaleState {
  language: Language;
  /** BCP 47 tag the formatters use, e.g. "sv-SE". */
  format: FormatLocale;
  /** Bumped on every change: the app re-renders its tree under `{#key locale.key}`. */
  key: number;
}

export const locale = $state<LocaleState>({ language: "en", format: "en-GB", key: 0 });

/** Puts a resolved locale in force. */
export function applyLocale(info: LocaleInfo): void {
  if (info.language === locale.language && info.format_locale === locale.format) return;
  setLocale(info.language, { reload: false });
  locale.language = info.language;
  locale.format = info.format_locale;
  locale.key += 1;
  document.documentElement.lang = info.language;
}
