import type { Page } from '@playwright/test';
import { expect } from './fixtures';
import { playerOf, step } from './player';

/**
 * The attack labs in the live player (site/flow/attacks.ts): each is listed under "After the flow"
 * with what to predict, runs for real, and ends on a notice naming the refused request, drawn on
 * the lab's own diagram with the Attacker as a box.
 */
export const attacks = (page: Page) => playerOf(page).locator('[data-fp-attacks]');
export const notice = (page: Page) => playerOf(page).locator('[data-fp-notice]');

/** Reads the lab's prediction prompt, then presses its Run button. */
export async function runAttack(page: Page, id: string): Promise<void> {
  const lab = attacks(page).locator('li').filter({ has: page.locator(`[data-fp-attack="${id}"]`) });
  await expect(lab).toContainText('Predict:');
  await lab.locator(`[data-fp-attack="${id}"]`).click();
}

/** The lab ended on the refusal: its notice, its diagram on screen, the refused message lit, nothing unexpected, the spec clause linked. */
export async function expectRefused(page: Page, diagram: string, refusedStep: string, title: RegExp): Promise<void> {
  await expect(notice(page)).toContainText(title, { timeout: 20_000 });
  const shown = playerOf(page).locator('.fp-variant:not([hidden])');
  await expect(shown).toHaveAttribute('data-fp-variant', diagram);
  if (diagram !== 'attack-pkce-downgrade') await expect(shown.locator('svg [data-et="participant"][data-actor="attacker"]').first()).toBeVisible();
  await expect(step(page, refusedStep)).toHaveAttribute('data-state', 'done');
  await expect(playerOf(page).locator('[data-fp-unexpected]')).toBeHidden();
  await expect(notice(page).getByRole('link')).toHaveAttribute('href', /^https:\/\/modelcontextprotocol\.io\/specification\/.+#.+/);
}
