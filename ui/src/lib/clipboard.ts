// Copying text for the user; says whether it worked (the webview may refuse the clipboard).
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
