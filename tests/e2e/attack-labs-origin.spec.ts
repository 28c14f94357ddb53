import { attacks, expectRefused, notice, runAttack } from './support/attack-labs';
import { expect, keepScreenshot, test } from './support/fixtures';
import { inspector, openPlayer, playerOf, runThroughSignIn, step, waitForPhase } from './support/player';
import { chooseOption } from './player-options-support';

/**
 * The Origin (DNS rebinding) lab in Chromium: a sandboxed frame, a page of another origin as far
 * as the browser is concerned, sends initialize to the endpoint without a token. The browser sends
 * `Origin: null` and no cookie; the server refuses it with 403 and the failure code
 * origin-not-allowed before authentication, and the player learns that from the Worker's trace
 * (the frame can read nothing).
 */
for (const transport of ['Streamable HTTP', 'Legacy HTTP+SSE'] as const) {
  test(`option 1 over ${transport}: a page of another site posting to the endpoint gets 403 origin-not-allowed, not 401`, async ({ page }) => {
    const endpoint = transport === 'Streamable HTTP' ? '/mcp' : '/sse';
    await openPlayer(page);
    await playerOf(page).getByRole('radio', { name: transport }).check();
    await runThroughSignIn(page, `origin-victim-${endpoint.slice(1)}`);
    await waitForPhase(page, 'success');

    await runAttack(page, 'foreign-origin');
    await expectRefused(page, 'attack-foreign-origin', 'plain-post', /refused it: a request from another site \(DNS rebinding\)/);
    // The preflight reaches the Worker on Cloudflare; the local Vite server answers it itself (the step stays grey).
    await expect(step(page, 'preflight')).toHaveAttribute('data-state', /^(done|skipped)$/);
    await expect(playerOf(page).locator('iframe[sandbox]')).toHaveCount(0); // the attacker's frame is gone
    await expect(page.locator('iframe[sandbox]')).toHaveCount(0);
    await expect(notice(page)).toContainText('before it looks for a token');

    await notice(page).getByRole('button', { name: 'Inspect the refused request (403 origin-not-allowed)' }).click();
    await expect(inspector(page)).toContainText(`POST ${endpoint}`);
    await expect(inspector(page)).toContainText('origin: null');
    await expect(inspector(page)).toContainText(/"failure":\s*"origin-not-allowed"/);
    await expect(inspector(page)).not.toContainText('lab-attacker'); // the lab's tag came off before the server saw the request
    if (transport === 'Streamable HTTP') await keepScreenshot(page, 'attack-foreign-origin');
  });
}

test('every option offers the lab', async ({ page }) => {
  await openPlayer(page);
  for (const option of ['worker', 'github', 'oidc-proxy', 'oidc-external'] as const) {
    await chooseOption(page, option);
    await expect(attacks(page).locator('[data-fp-attack="foreign-origin"]'), option).toHaveCount(1);
  }
});
