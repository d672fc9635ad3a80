// What the print layout shows: the app renders these cards in a print-only sheet and opens the
// OS print dialog.
import type { PrintableCard } from "./ipc";

export const printJob = $state<{ cards: PrintableCard[]; title: string }>({ cards: [], title: "" });

export function printCards(cards: PrintableCard[], title: string): void {
  printJob.cards = cards;
  printJob.title = title;
  // Let the sheet render before the dialog snapshots the page.
  requestAnimationFrame(() => requestAnimationFrame(() => window.print()));
}
