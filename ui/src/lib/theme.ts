// Applies the colour theme: the user's choice, or the OS preference followed live.
import type { Theme } from "./ipc";

const darkQuery = window.matchMedia("(prefers-color-scheme: dark)");
let choice: Theme = "system";

function paint(): void {
  const dark = choice === "dark" || (choice === "system" && darkQuery.matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

darkQuery.addEventListener("change", paint);

export function applyTheme(theme: Theme): void {
  choice = theme;
  paint();
}
