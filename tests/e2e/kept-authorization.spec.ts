import type { Page } from '@playwright/test';
import { expect, keepScreenshot, test } from './support/fixtures';
import { control, openPlayer, playerOf, runThroughSignIn, step, waitForPhase } from './support/player';

/**
 * An authorization got in one lesson's player is kept for the tab (sessionStorage): the playground
 * page and other players offer to go on with it, run only the connection with the kept token, and
 * call tools with it, without discovery, registration or sign-in again.
 */
const kept = (page: Page) => playerOf(page).locator('[data-fp-kept]');
const playground = (page: Page) => playerOf(page).locator('[data-playground]');

test('a token got in a lesson is offered on /playground, and going on with it needs no sign-in', async ({ page }) => {
  await openPlayer(page, '/lessons/scopes-and-step-up/');
  await expect(kept(page)).toBeHidden(); // nothing kept yet in this tab
  await runThroughSignIn(page, 'kept-token');
  await waitForPhase(page, 'success');

  await page.goto('/playground/');
  await expect(kept(page)).toBeVisible();
  await expect(kept(page)).toContainText('You are already authorized in this tab');
  const offer = kept(page).getByRole('listitem').filter({ hasText: '1 · The Worker, Streamable HTTP' });
  await expect(offer).toContainText('mcp:read');
  await expect(offer).toContainText('from “Scopes, tools and step-up authorization');
  await kept(page).scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screenshots/kept-offer.png' });

  const popups: Page[] = [];
  page.on('popup', (popup) => popups.push(popup));
  await offer.getByRole('button', { name: 'Go on with this token' }).click();
  await waitForPhase(page, 'success');
  expect(popups).toEqual([]); // no sign-in window
  await expect(playerOf(page).locator('[data-fp-status]')).toContainText('Going on from the authorization you got on “Scopes, tools and step-up authorization');
  // Only the connection happened on this page: initialize is lit, the sign-in and token steps are not.
  await expect(step(page, 'initialize')).toHaveAttribute('data-state', 'done');
  await expect(step(page, 'authorize')).toHaveAttribute('data-state', 'pending');
  await expect(step(page, 'token')).toHaveAttribute('data-state', 'pending');
  await expect(step(page, 'register')).toHaveAttribute('data-state', 'pending'); // not 'skipped': this page cannot know

  // The playground opens by itself on this page, with the kept token.
  await expect(playground(page)).toHaveAttribute('data-editor-ready', 'true', { timeout: 20_000 });
  await expect(playground(page).locator('[data-pg-status]')).toHaveText(/\d+ tools, from tools\/list just now\./, { timeout: 15_000 });
  await playground(page).getByRole('button', { name: 'Send', exact: true }).click();
  await expect(playground(page).locator('[data-pg-result]')).toContainText('Result', { timeout: 15_000 });
  await expect(playground(page).locator('[data-pg-result]')).toContainText('kept-token');
  await keepScreenshot(page, 'kept-playground');

  // Revoking ends the grant: it is no longer offered.
  await playerOf(page).getByRole('button', { name: /Revoke/ }).click();
  await expect(playerOf(page).locator('[data-fp-status]')).not.toContainText('Revoking', { timeout: 15_000 });
  await control(page, 'Reset').click();
  await expect(kept(page)).toBeHidden();
});

test('a kept token that no longer works stops at initialize with the 401, and is forgotten', async ({ page }) => {
  await openPlayer(page, '/lessons/scopes-and-step-up/');
  await runThroughSignIn(page, 'stale-token');
  await waitForPhase(page, 'success');
  // Spoil the kept token, as an expiry or a revocation elsewhere would.
  await page.evaluate(() => {
    const key = 'mcp-auth-lab:kept-authorizations';
    const all = JSON.parse(sessionStorage.getItem(key)!);
    for (const entry of Object.values(all) as { kept: { tokens: { access_token: string } } }[]) entry.kept.tokens.access_token = 'not-a-token';
    sessionStorage.setItem(key, JSON.stringify(all));
  });
  await page.goto('/playground/');
  await kept(page).getByRole('button', { name: 'Go on with this token' }).first().click();
  await waitForPhase(page, 'failed');
  await expect(step(page, 'initialize')).toHaveAttribute('data-state', 'error');
  await expect(playerOf(page).locator('[data-fp-notice]')).toBeVisible();
  await control(page, 'Reset').click();
  await expect(kept(page)).toBeHidden();
});
