import { expect, keepScreenshot, test } from './support/fixtures';
import { collectPlayerProblems, inspect, message, openPlayer, playerOf, recordStateChanges, step, stepInfo, waitForPhase } from './support/player';
import { chooseOption, ENDPOINT, keepDiagramScreenshot, runThroughProvider, type ProviderOption } from './player-options-support';

/**
 * Options 2, 3a and 3b in the live player, against the production build: the learner picks the
 * option, runs it, answers the Worker's consent and the simulated provider's page in the sign-in
 * window, and every message lights with the real exchange behind it, including the ones only the
 * Worker saw: the provider's pages and its own calls to the provider.
 */
const svgActor = (page: import('@playwright/test').Page, actor: string) =>
  playerOf(page).locator(`.fp-variant:not([hidden]) svg [data-et="participant"][data-actor="${actor}"]`);

test.describe('the player, option by option', () => {
  test('the chooser swaps the diagram and says the provider is simulated, part of the lab', async ({ page }) => {
    await openPlayer(page);
    const provider = playerOf(page).locator('[data-fp-provider]');
    await expect(provider).toBeHidden(); // option 1 has no provider
    await chooseOption(page, 'github');
    await expect(provider).toHaveText(/^Simulated GitHub — part of the lab\. It runs on this Worker as a stand-in for github\.com and answers as one would/);
    await expect(svgActor(page, 'upstream')).toHaveCount(1);
    // Option 2 is served over Streamable HTTP only: the other transport says why it is off.
    await expect(playerOf(page).getByRole('radio', { name: 'Legacy HTTP+SSE' })).toBeDisabled();
    await expect(playerOf(page).locator('[data-fp-transports]')).toContainText('offered only by option 1');
    await chooseOption(page, 'oidc-external');
    await expect(provider).toHaveText(/^Simulated OIDC provider — part of the lab\./);
    // The provider is the authorization server here: no Upstream box, and no lab-registered client there.
    await expect(svgActor(page, 'upstream')).toHaveCount(0);
    await expect(playerOf(page).getByRole('radio', { name: 'Pre-registered' })).toBeDisabled();
    await expect(playerOf(page).locator('[data-registration-note]')).toContainText('registers at the provider');
    await chooseOption(page, 'worker');
    await expect(provider).toBeHidden();
    await expect(playerOf(page).getByRole('radio', { name: 'Pre-registered' })).toBeEnabled();
    await expect(playerOf(page).getByRole('radio', { name: 'Legacy HTTP+SSE' })).toBeEnabled();
  });

  for (const option of ['github', 'oidc-proxy', 'oidc-external'] satisfies ProviderOption[]) {
    test(`${option}: Run through the Worker's consent and the provider's page; every message lit in order, with real data`, async ({ page, origin }) => {
      const problems = collectPlayerProblems(page, [{ status: 401, url: origin + ENDPOINT[option] }]);
      await openPlayer(page);
      await chooseOption(page, option);
      const changes = await recordStateChanges(page);
      await runThroughProvider(page, option);
      await waitForPhase(page, 'success');

      // The Worker's records of its own calls may trail the page's last exchange by a moment.
      await expect.poll(async () => (await stepInfo(page)).filter((info) => !info.optional && info.state !== 'done').map((info) => info.id)).toEqual([]);
      const after = await stepInfo(page);
      for (const info of after) await expect(message(page, info.id)).toHaveAttribute('data-state', info.state);
      const times = after.filter((info) => info.at !== null).map((info) => info.at!);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      const pageSteps = new Set(['probe', 'resource-metadata', 'as-metadata', 'register', 'token', 'initialize', 'initialized', 'tools-list', 'tools-call']);
      const litOrder = (await changes()).filter((change) => change.state === 'done' && pageSteps.has(change.id)).map((change) => change.id);
      expect(litOrder).toEqual(after.filter((info) => pageSteps.has(info.id)).map((info) => info.id));
      // A first visit: the provider showed its page, and the user allowed there.
      await expect(step(page, option === 'oidc-external' ? 'consent' : 'provider-consent')).toHaveAttribute('data-state', 'done');

      if (option !== 'oidc-external') {
        // The back channel, as the Worker recorded it: the code exchange with the provider, answered 200, tokens hidden.
        const exchange = (await inspect(page, 'code-exchange')).locator('.fp-exchange');
        await expect(exchange.locator('.fp-http-status')).toHaveText('200 OK');
        await expect(exchange.locator('.fp-meta')).toHaveText(`Captured by the Worker: the Worker’s own outgoing call, Authorization server (the Worker) → ${option === 'github' ? 'GitHub (upstream provider)' : 'OpenID provider (upstream)'}.`);
        await expect(exchange.locator('[data-part="response"] .fp-redacted').first()).toContainText(/\[redacted (access_token|id_token), \d+ chars\]/);
        await expect(exchange.locator('[data-part="request"] .fp-redacted').filter({ hasText: 'code' }).first()).toBeVisible();
        // The boxes of the message in focus light up: the Worker's and the provider's.
        await expect(svgActor(page, 'upstream')).toHaveAttribute('data-lit', '');
        await expect(svgActor(page, 'as')).toHaveAttribute('data-lit', '');
        await expect(svgActor(page, 'client')).not.toHaveAttribute('data-lit', '');
        // The provider's page, seen by the Worker as the browser loaded it.
        const providerPage = (await inspect(page, 'provider-authorize')).locator('.fp-exchange').first();
        await expect(providerPage.locator('.fp-meta')).toContainText('Captured by the Worker: a browser navigation, Browser (sign-in window) →');
        await expect(providerPage.locator('.fp-url')).toContainText('/simulated/');
      }

      const tool = (await inspect(page, 'tools-call')).locator('.fp-exchange');
      switch (option) {
        case 'github':
          await expect(tool).toContainText('\\"login\\": \\"mona\\"');
          await expect(tool).toContainText('\\"provider\\": \\"Simulated GitHub\\"');
          await expect((await inspect(page, 'tool-upstream')).locator('.fp-meta')).toHaveText('Captured by the Worker: the Worker’s own outgoing call, MCP server (/github/mcp) → GitHub (upstream provider).');
          break;
        case 'oidc-proxy':
          await expect(tool).toContainText('\\"preferred_username\\": \\"ada\\"');
          await expect((await inspect(page, 'userinfo')).locator('.fp-http-status')).toHaveText('200 OK');
          break;
        case 'oidc-external': {
          await expect(tool).toContainText(`\\"audience\\": \\"${origin}/external/mcp\\"`);
          // The provider's JWT access token, decoded by the inspector: it was issued for this server.
          const token = await inspect(page, 'token');
          await expect(token.locator('.fp-jwt').first()).toContainText(`"aud": "${origin}/external/mcp"`);
          await expect(token.locator('.fp-jwt').first()).toContainText('"typ": "at+jwt"');
          const checks = playerOf(page).getByRole('region', { name: 'Checks the client makes' }).getByRole('listitem');
          await expect(checks.filter({ hasText: 'whose aud is' })).toContainText('Passed:');
          break;
        }
      }
      await keepDiagramScreenshot(page, `player-option-${option}-diagram`);
      await page.evaluate(() => window.scrollTo(0, 0));
      await keepScreenshot(page, `player-option-${option}`);
      expect(problems).toEqual([]);
    });
  }

  test('option 2, then step-up: the Worker asks again, GitHub remembers its app and sends the browser straight back', async ({ page }) => {
    await openPlayer(page);
    await chooseOption(page, 'github');
    await runThroughProvider(page, 'github');
    await waitForPhase(page, 'success');
    const popupOpened = page.waitForEvent('popup');
    await playerOf(page).getByRole('button', { name: 'Step up: call save_note' }).click();
    const popup = await popupOpened;
    await popup.waitForURL((url) => url.pathname === '/authorize');
    await popup.getByRole('button', { name: 'Continue to Simulated GitHub' }).click();
    await expect(playerOf(page).locator('.fp-variant:not([hidden])')).toHaveAttribute('data-fp-variant', 'github-step-up');
    await expect(step(page, 'call-allowed')).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
    await expect(step(page, 'provider-authorize')).toHaveAttribute('data-state', 'done');
    await expect(step(page, 'provider-consent')).toHaveAttribute('data-state', 'skipped');
    // Refresh and revoke are the Worker's alone: offered here, not at option 3b.
    await expect(playerOf(page).getByRole('button', { name: 'Refresh the token' })).toBeVisible();
  });

  test('option 3b offers step-up only: its provider issues no refresh token and has no revocation endpoint', async ({ page, origin }) => {
    await openPlayer(page);
    await chooseOption(page, 'oidc-external');
    await runThroughProvider(page, 'oidc-external');
    await waitForPhase(page, 'success');
    const after = playerOf(page).locator('[data-fp-after]');
    await expect(after.getByRole('button', { name: 'Refresh the token' })).toBeHidden();
    await expect(after.getByRole('button', { name: 'Revoke the token' })).toBeHidden();
    await expect(after.locator('[data-fp-after-intro]')).toContainText('no refresh token');
    await expect(after.getByRole('button', { name: 'Step up: call save_note' })).toBeVisible();
    // The option's own tool is in the tool list, and the editor sends it to this option's endpoint, with the provider's token.
    await after.getByRole('button', { name: 'Open the editor' }).click();
    await after.locator('[data-pg-tool-list]').getByRole('radio', { name: /token_claims/ }).check();
    await expect(after.locator('.monaco-editor')).toContainText('"token_claims"');
    await after.getByRole('button', { name: 'Send', exact: true }).click();
    const result = after.locator('[data-pg-result]');
    await expect(result.locator('.pg-kind')).toContainText('Result', { timeout: 15_000 });
    await expect(result.getByRole('region', { name: 'structuredContent' })).toContainText(`"audience": "${origin}/external/mcp"`);
  });
});
