import type { Page } from '@playwright/test';
import { expect } from './support/fixtures';
import { control, playerOf } from './support/player';

/**
 * Driving the flow player through options 2, 3a and 3b as a learner would: the option chooser,
 * then, in the sign-in window, the Worker's consent page (options 2 and 3a) and the simulated
 * provider's own page (Simulated GitHub's or the Simulated OIDC provider's).
 */
export type ProviderOption = 'github' | 'oidc-proxy' | 'oidc-external';

export const OPTION_LABEL: Record<ProviderOption | 'worker', string> = { worker: '1', github: '2', 'oidc-proxy': '3a', 'oidc-external': '3b' };
export const MAIN_DIAGRAM: Record<ProviderOption, string> = { github: 'github', 'oidc-proxy': 'oidc-proxy', 'oidc-external': 'oidc-external' };
export const ENDPOINT: Record<ProviderOption, string> = { github: '/github/mcp', 'oidc-proxy': '/oidc/mcp', 'oidc-external': '/external/mcp' };

/** Picks an option in the chooser and waits until its diagram is drawn. */
export async function chooseOption(page: Page, option: ProviderOption | 'worker'): Promise<void> {
  await playerOf(page).getByRole('radio', { name: new RegExp(`^${OPTION_LABEL[option]} ·`) }).check();
  const shown = playerOf(page).locator('.fp-variant:not([hidden])');
  await expect(shown).toHaveAttribute('data-fp-variant', option === 'worker' ? 'worker-oauth' : MAIN_DIAGRAM[option]);
  await shown.locator('.fp-canvas').scrollIntoViewIfNeeded();
  await expect(shown).toHaveAttribute('data-drawn', '');
  await page.evaluate(() => window.scrollTo(0, 0));
}

export interface AtTheProvider {
  /** Authorize (Simulated GitHub) or Allow (Simulated OIDC provider), or Cancel. */
  decision?: 'allow' | 'cancel';
  /** A "Make it fail" choice on the provider's page, by its label. */
  failure?: string | RegExp;
}

/**
 * The sign-in window, step by step: the Worker's consent for this client first (2 and 3a: nothing
 * has gone to the provider yet), then the provider's page, labelled as a simulation.
 */
export async function throughTheWindow(popup: Page, option: ProviderOption, provider: AtTheProvider = {}): Promise<void> {
  if (option !== 'oidc-external') {
    await popup.waitForURL((url) => url.pathname === '/authorize');
    await expect(popup.getByRole('heading', { level: 1, name: /^Allow/ })).toBeVisible();
    await popup.getByRole('button', { name: /^Continue to Simulated / }).click();
  }
  await popup.waitForURL((url) => url.pathname.startsWith('/simulated/'));
  await expect(popup.getByRole('note').filter({ hasText: '— served by MCP Auth Lab' })).toBeVisible();
  if (provider.failure) await popup.getByRole('radio', { name: provider.failure }).check();
  const allow = option === 'github' ? 'Authorize' : 'Allow';
  await popup.getByRole('button', { name: provider.decision === 'cancel' ? 'Cancel' : allow, exact: true }).click();
}

/** Run, then the whole sign-in window. */
export async function runThroughProvider(page: Page, option: ProviderOption, provider: AtTheProvider = {}): Promise<Page> {
  const popupOpened = page.waitForEvent('popup');
  await control(page, 'Run').click();
  const popup = await popupOpened;
  await throughTheWindow(popup, option, provider);
  return popup;
}

/** A screenshot of the diagram on screen alone, at its drawn size, for review (test-results/screenshots/). */
export async function keepDiagramScreenshot(page: Page, name: string): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir('test-results/screenshots', { recursive: true });
  const figure = playerOf(page).locator('.fp-variant:not([hidden]) .fp-diagram');
  await figure.scrollIntoViewIfNeeded();
  // The site header and the player's controls stick to the top: keep them out of the picture.
  await figure.screenshot({ path: `test-results/screenshots/${name}.png`, style: '.site-header, .fp-controls { position: static !important; }' });
}
