import { currentTheme, saveTheme } from './theme';

/**
 * The header's theme button: a toggle button (aria-pressed = dark theme on), so screen readers
 * announce its state and Space or Enter flip it.
 */
export function setUpThemeToggles(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-theme-toggle]')) {
    const sync = () => button.setAttribute('aria-pressed', String(currentTheme() === 'dark'));
    sync();
    button.addEventListener('click', () => {
      saveTheme(currentTheme() === 'dark' ? 'light' : 'dark');
      sync();
    });
    // Follow the system while the reader has not chosen.
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', sync);
  }
}
