import { startHttpsPreview } from '../support/preview-server';
import { attacks, expectRefused, notice, runAttack } from './support/attack-labs';
import { expect, keepScreenshot, test } from './support/fixtures';
import { openPlayer, playerOf, runThroughSignIn, step, waitForPhase } from './support/player';

/**
 * The CIMD lab: a Client ID Metadata Document, published by the attacker, that copies the page's
 * client and claims its callback. A client_id document must be https, so on the suite's http
 * server the lab says why it cannot run; it runs on the same build served over https (a local
 * test CA, tests/support/preview-server.ts), which the browser is told to accept.
 */
test('on http the lab is listed but cannot run, and says exactly why', async ({ page, origin }) => {
  await openPlayer(page);
  const lab = attacks(page).locator('li').filter({ has: page.locator('[data-fp-attack="cimd-claimed-redirect"]') });
  await expect(lab.locator('[data-fp-attack="cimd-claimed-redirect"]')).toBeDisabled();
  await expect(lab.locator('[data-fp-attack-unavailable="cimd-claimed-redirect"]')).toHaveText(
    `Not on ${origin}: the attacker’s client_id is the URL of their Client ID Metadata Document, and the authorization server fetches only https documents (so the URL says who published it). On an https deployment this lab works.`,
  );
  await expect(lab.locator('[data-fp-attack="cimd-claimed-redirect"]')).toHaveAccessibleDescription(/^Not on http:/);
});

// One https server (wrangler dev on the built Worker) for the tests below, started by the worker that runs them.
const overHttps = test.extend<object, { httpsOrigin: string }>({
  httpsOrigin: [
    async ({}, use) => {
      const server = await startHttpsPreview();
      await use(server.origin);
      await server.stop();
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  baseURL: async ({ httpsOrigin }, use) => use(httpsOrigin),
});

overHttps.describe('over https', () => {
  overHttps.use({ ignoreHTTPSErrors: true });

  overHttps('the attacker’s document is fetched and shown for what it is, its code is useless to your client, and its own redirect is refused', async ({ page, httpsOrigin }) => {
    await openPlayer(page);
    await runThroughSignIn(page, 'cimd-victim');
    await waitForPhase(page, 'success');

    const popupOpened = page.waitForEvent('popup');
    await runAttack(page, 'cimd-claimed-redirect');
    const popup = await popupOpened;
    // The consent page: your client's name, copied, but the client ID is the attacker's document URL.
    await expect(popup.getByRole('heading', { level: 1 })).toContainText('MCP Auth Lab (in your browser)');
    await expect(popup.locator('dd').filter({ hasText: `${httpsOrigin}/lab/attacker/client-metadata.json` })).toBeVisible();
    await expect(popup.getByText(/^Published by localhost/)).toBeVisible();
    await popup.getByRole('button', { name: 'Allow', exact: true }).click();

    await expectRefused(page, 'attack-cimd-claimed-redirect', 'own-redirect', /refused it: a metadata document claiming your client’s redirect/i);
    for (const id of ['link', 'consent', 'callback', 'redeem']) await expect(step(page, id), id).toHaveAttribute('data-state', 'done');
    await expect(step(page, 'document')).toHaveAttribute('data-state', /^(done|skipped)$/);
    await expect(notice(page)).toContainText('400 invalid_grant');
    await expect(notice(page).getByRole('button', { name: 'Inspect the refused request (400)' })).toBeVisible();
    await keepScreenshot(page, 'attack-cimd-claimed-redirect');
    await expect(playerOf(page).locator('[data-fp-attack-unavailable]')).toHaveCount(0);
  });
});
