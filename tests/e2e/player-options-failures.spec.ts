import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures';
import { inspector, openPlayer, playerOf, step, waitForPhase } from './support/player';
import { chooseOption, keepDiagramScreenshot, runThroughProvider } from './player-options-support';

/**
 * What goes wrong at a provider, as the player shows it: the learner makes it fail on the
 * simulated provider's own page, and the player names the failure, marks the message where it
 * happened, and explains it with what the server said.
 */
const notice = (page: Page) => playerOf(page).locator('[data-fp-notice]');

test.describe('provider failures in the player', () => {
  test('option 2, Cancel at GitHub: access_denied comes back through the Worker, with the client’s state', async ({ page }) => {
    await openPlayer(page);
    await chooseOption(page, 'github');
    await runThroughProvider(page, 'github', { decision: 'cancel' });
    await waitForPhase(page, 'failed');
    await expect(notice(page).locator('.fp-failure-title')).toHaveText('The sign-in was cancelled at the provider');
    await expect(notice(page).locator('.fp-said')).toContainText('error=access_denied');
    await expect(notice(page).locator('.fp-said')).toContainText('The sign-in at Simulated GitHub was cancelled.');
    await expect(step(page, 'callback')).toHaveAttribute('data-state', 'error');
    // The Worker never called GitHub: there was no code to exchange.
    await expect(step(page, 'provider-callback')).toHaveAttribute('data-state', 'done');
    await expect(step(page, 'code-exchange')).toHaveAttribute('data-state', 'pending');
    // The state check passed first: this refusal belongs to this client's request.
    const checks = playerOf(page).getByRole('region', { name: 'Checks the client makes' }).getByRole('listitem');
    await expect(checks.filter({ hasText: 'state in the callback is the one this client sent' })).toContainText('Passed:');
  });

  test('option 3a, a tampered ID token: the Worker refuses it after the code exchange, and says which rules it checks', async ({ page }) => {
    await openPlayer(page);
    await chooseOption(page, 'oidc-proxy');
    await runThroughProvider(page, 'oidc-proxy', { failure: 'Tokens whose signature does not verify (tampered)' });
    await waitForPhase(page, 'failed');
    await expect(notice(page).locator('.fp-failure-title')).toHaveText('The Worker rejected the provider’s ID token');
    await expect(notice(page)).toContainText('the signature against the provider’s published keys, iss, aud and azp');
    await expect(notice(page).locator('.fp-said')).toContainText('error=server_error');
    // The code exchange itself worked (200): the token arrived, and failed the Worker's checks at its callback.
    await expect(step(page, 'code-exchange')).toHaveAttribute('data-state', 'done');
    await expect(step(page, 'provider-callback')).toHaveAttribute('data-state', 'error');
    await notice(page).getByRole('button', { name: /^Inspect step/ }).click();
    await expect(inspector(page).locator('.fp-panel-title')).toHaveText('GET /authorize/oidc/callback?code&state&iss');
    await expect(inspector(page).locator('.fp-spec a').first()).toHaveAttribute('href', /rfc9207/);
    await keepDiagramScreenshot(page, 'player-option-oidc-proxy-id-token-rejected');
  });

  test('option 3b, Cancel at the provider: the provider itself answers the client, which explains the refusal', async ({ page }) => {
    await openPlayer(page);
    await chooseOption(page, 'oidc-external');
    await runThroughProvider(page, 'oidc-external', { decision: 'cancel' });
    await waitForPhase(page, 'failed');
    await expect(notice(page).locator('.fp-failure-title')).toHaveText('The user said no');
    await expect(notice(page).locator('.fp-said')).toContainText('error=access_denied');
    await expect(step(page, 'callback')).toHaveAttribute('data-state', 'error');
    await expect(step(page, 'token')).toHaveAttribute('data-state', 'pending');
  });

  test('option 3b, a token for another audience: the client flags its aud, the MCP server refuses it', async ({ page }) => {
    await openPlayer(page);
    await chooseOption(page, 'oidc-external');
    await runThroughProvider(page, 'oidc-external', { failure: 'Tokens issued for another audience' });
    await waitForPhase(page, 'failed');
    const checks = playerOf(page).getByRole('region', { name: 'Checks the client makes' }).getByRole('listitem');
    await expect(checks.filter({ hasText: 'whose aud is' })).toContainText('Failed:');
    await expect(notice(page).locator('.fp-failure-title')).toHaveText('The MCP server refused the access token');
    await expect(step(page, 'token')).toHaveAttribute('data-state', 'done');
    await expect(step(page, 'initialize')).toHaveAttribute('data-state', 'error');
  });

  test('option 2, GitHub’s token endpoint fails: the Worker met the 500 on the back channel and told the client to try later', async ({ page }) => {
    await openPlayer(page);
    await chooseOption(page, 'github');
    await runThroughProvider(page, 'github', { failure: 'Authorize, then the token endpoint fails with HTTP 500' });
    await waitForPhase(page, 'failed');
    await expect(notice(page).locator('.fp-failure-title')).toHaveText('The provider could not finish the sign-in');
    await expect(step(page, 'code-exchange')).toHaveAttribute('data-state', 'error');
    await notice(page).getByRole('button', { name: /^Inspect step/ }).click();
    await expect(inspector(page).locator('.fp-http-status').first()).toHaveText('500 Internal Server Error');
    await expect(inspector(page).locator('.fp-meta').first()).toContainText('Captured by the Worker: the Worker’s own outgoing call');
  });
});
