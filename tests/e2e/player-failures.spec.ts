import { expect, test } from './support/fixtures';
import { answerInSignInWindow, control, inspect, openPlayer, playerOf, runThroughSignIn, step, waitForPhase } from './support/player';

/**
 * Failures that teach: each deliberate mistake (or a user's No) stops the run on the message it
 * concerns, marks that message `error`, quotes what the server said and explains cause and fix.
 */
test.describe('the flow player, when things go wrong', () => {
  test('a wrong PKCE verifier: the token message fails with invalid_grant, explained', async ({ page }) => {
    await openPlayer(page);
    await playerOf(page).getByLabel('Try a failure').selectOption('wrong-verifier');
    await runThroughSignIn(page, 'player-verifier');
    await waitForPhase(page, 'failed');

    await expect(step(page, 'token')).toHaveAttribute('data-state', 'error');
    await expect(playerOf(page).locator('svg .flow-message[data-step="token"]')).toHaveAttribute('data-state', 'error');
    await expect(step(page, 'callback')).toHaveAttribute('data-state', 'done');
    await expect(step(page, 'initialize')).toHaveAttribute('data-state', 'pending');

    const notice = playerOf(page).locator('[data-fp-notice]');
    await expect(notice).toContainText('The code_verifier does not match the code_challenge');
    await expect(notice).toContainText('invalid_grant');
    const token = await inspect(page, 'token');
    await expect(token.getByRole('group', { name: 'What went wrong' })).toContainText('PKCE');
    await expect(token.locator('.fp-http-status')).toContainText('400 Bad Request');
    await expect(token.locator('.fp-exchange')).toContainText('"error": "invalid_grant"');
    await expect(playerOf(page).locator('[data-fp-live]')).toContainText(/Step \d+ of \d+ failed: POST \/oauth\/token/);
  });

  test('Deny: the callback carries access_denied, and the player says what it means', async ({ page }) => {
    await openPlayer(page);
    await runThroughSignIn(page, 'player-deny', 'Deny');
    await waitForPhase(page, 'failed');

    await expect(step(page, 'callback')).toHaveAttribute('data-state', 'error');
    await expect(step(page, 'consent')).toHaveAttribute('data-state', 'done');
    await expect(step(page, 'token')).toHaveAttribute('data-state', 'pending');
    const callback = await inspect(page, 'callback');
    const failure = callback.getByRole('group', { name: 'What went wrong' });
    await expect(failure).toContainText('access_denied');
    await expect(failure).toContainText('Likely cause');
    await expect(callback.locator('.fp-exchange')).toContainText('error=access_denied');
  });

  test('a tampered state: the client refuses the callback, on the callback message', async ({ page }) => {
    await openPlayer(page);
    await playerOf(page).getByLabel('Try a failure').selectOption('wrong-state');
    await runThroughSignIn(page, 'player-state');
    await waitForPhase(page, 'failed');
    await expect(step(page, 'callback')).toHaveAttribute('data-state', 'error');
    const checks = playerOf(page).getByRole('region', { name: 'Checks the client makes' });
    await expect(checks.locator('[data-check="state"]')).toHaveAttribute('data-ok', 'false');
  });

  test('a replayed code: refused, and the player shows both redemptions on the token message', async ({ page }) => {
    await openPlayer(page);
    await playerOf(page).getByLabel('Try a failure').selectOption('replay-code');
    await runThroughSignIn(page, 'player-replay');
    await waitForPhase(page, 'failed');
    await expect(step(page, 'token')).toHaveAttribute('data-state', 'error');
    const token = await inspect(page, 'token');
    await expect(token.locator('.fp-exchange')).toHaveCount(2);
    await expect(token.getByRole('group', { name: 'What went wrong' })).toContainText('invalid_grant');
  });

  test('the sign-in window closed: the run stops at the authorization, explained', async ({ page }) => {
    await openPlayer(page);
    const popupOpened = page.waitForEvent('popup');
    await control(page, 'Run').click();
    const popup = await popupOpened;
    await popup.waitForURL((url) => url.pathname === '/authorize');
    await popup.close();
    await waitForPhase(page, 'failed');
    await expect(playerOf(page).locator('[data-fp-notice]')).toContainText(/closed/i);
    await expect(playerOf(page).locator('.fp-variant:not([hidden]) .fp-step[data-state="error"]')).toHaveCount(1);
  });

  test('a blocked pop-up: explained, with a link that finishes the run in a new tab', async ({ page }) => {
    // What a pop-up blocker does: window.open returns null.
    await page.addInitScript(() => {
      window.open = () => null;
    });
    await openPlayer(page);
    await control(page, 'Run').click();
    const notice = playerOf(page).locator('[data-fp-notice]');
    await expect(notice).toContainText('Your browser blocked the sign-in window');
    const tabOpened = page.context().waitForEvent('page');
    await notice.getByRole('link', { name: 'Open the sign-in page in a new tab' }).click();
    await answerInSignInWindow(await tabOpened, { userName: 'player-blocked', decision: 'Allow' });
    await waitForPhase(page, 'success');
    await expect(step(page, 'tools-call')).toHaveAttribute('data-state', 'done');
  });
});
