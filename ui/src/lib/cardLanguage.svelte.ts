// The language pairing cards are printed in. It follows the UI's language until someone picks
// another one for a print (a Norwegian store's cards printed by a Swedish head office); that
// choice then holds for every print until the app restarts.
import { locale } from "./i18n.svelte";
import type { Language } from "./ipc";

const chosen = $state<{ language: Language | null }>({ language: null });

export const cardLanguage = {
  get value(): Language {
    return chosen.language ?? locale.language;
  },
  set value(language: Language) {
    chosen.language = language;
  },
};

/** Each language named in itself, as a language picker lists them. */
export const LANGUAGE_NAMES: { value: Language; label: string }[] = [
  { value: "en", label: "English" },
  { value: "sv", label: "Svenska" },
  { value: "nb", label: "Norsk bokmål" },
];
