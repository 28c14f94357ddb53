/**
 * Light and dark themes. With no saved choice the site follows the system (`prefers-color-scheme`,
 * through CSS `light-dark()`); a saved choice pins `data-theme` on <html>.
 */
export type Theme = 'light' | 'dark';
export const THEME_STORAGE_KEY = 'mcp-auth-lab:theme';

/**
 * Runs inline in <head>, before the first paint, so a saved theme never flashes the other one.
 * Serialised with toString(): it must not use anything from outside its own body.
 */
export function applySavedTheme(storageKey: string): void {
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved === 'light' || saved === 'dark') document.documentElement.dataset.theme = saved;
  } catch {
    // Storage can be blocked (privacy settings): the system theme still applies.
  }
}

export const themeInitScript = `(${applySavedTheme.toString()})(${JSON.stringify(THEME_STORAGE_KEY)});`;

/** The theme on screen: the saved choice, or else the system's. */
export function currentTheme(root: HTMLElement = document.documentElement): Theme {
  const pinned = root.dataset.theme;
  if (pinned === 'light' || pinned === 'dark') return pinned;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function saveTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  root.dataset.theme = theme;
  try {
    localStorage.setItem(THEME_STORAGE_KEY, theme);
  } catch {
    // Not persisted, but applied for this page.
  }
}
