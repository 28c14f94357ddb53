import { expect, keepScreenshot, test } from './support/fixtures';
import { collectPlayerProblems, openPlayer, playerOf, runThroughSignIn, step, waitForPhase } from './support/player';
import { chooseOption, ENDPOINT, MAIN_DIAGRAM, runThroughProvider, type ProviderOption } from './player-options-support';

/**
 * The in-page client speaks 2026-07-28 as well as 2025-11-25: for every auth option, the run
 * starts with server/discover instead of initialize, every message of the 2026 diagram lights with
 * its real exchange (nothing left unmatched), and the header's spec badge says the revision.
 */
const MAIN: Record<ProviderOption | 'worker', string> = { worker: 'worker-oauth', ...MAIN_DIAGRAM };
const PATH: Record<ProviderOption | 'worker', string> = { worker: '/mcp', ...ENDPOINT };

for (const option of ['worker', 'github', 'oidc-proxy', 'oidc-external'] as const) {
  test(`${option} at 2026-07-28: server/discover instead of initialize, and every message lit`, async ({ page, origin }) => {
    const problems = collectPlayerProblems(page, [{ status: 401, url: origin + PATH[option] }]);
    await openPlayer(page);
    await chooseOption(page, option);
    await playerOf(page).getByRole('radio', { name: /^2026-07-28/ }).check();
    const shown = playerOf(page).locator('.fp-variant:not([hidden])');
    await expect(shown).toHaveAttribute('data-fp-variant', `${MAIN[option]}-2026`);
    await expect(page.locator('[data-spec-badge]')).toHaveText('Spec 2026-07-28');
    // 2026-07-28 has no HTTP+SSE.
    await expect(playerOf(page).getByRole('radio', { name: 'Legacy HTTP+SSE' })).toBeDisabled();

    if (option === 'worker') await runThroughSignIn(page, 'revision-2026');
    else await runThroughProvider(page, option);
    await waitForPhase(page, 'success');
    await expect(step(page, 'probe')).toHaveAttribute('data-state', 'done');
    await expect(step(page, 'discover')).toHaveAttribute('data-state', 'done');
    await expect(step(page, 'tools-call')).toHaveAttribute('data-state', 'done');
    await expect(shown.locator('.fp-step[data-step="initialize"]')).toHaveCount(0);
    await expect(playerOf(page).locator('[data-fp-unexpected]')).toBeHidden();
    // The checks say where this registration stands in 2026-07-28, and check iss as that revision's MUST.
    const checks = playerOf(page).getByRole('region', { name: 'Checks the client makes' });
    await expect(checks.locator('[data-check="registration"]')).toHaveAttribute('data-ok', 'true');
    await expect(checks.locator('[data-check="registration"]')).toContainText('application_type "web"');
    await expect(checks.locator('[data-check="iss"] a')).toHaveAttribute('href', /2026-07-28\/basic\/authorization#authorization-response-validation/);

    // What went over the wire: the 2026 metadata in the body and the mirrored headers.
    await step(page, 'tools-call').click();
    const inspector = playerOf(page).locator('[data-fp-inspector]');
    await expect(inspector).toContainText('io.modelcontextprotocol/protocolVersion');
    await expect(inspector).toContainText(/mcp-method:?\s*tools\/call/i);
    if (option === 'worker') await keepScreenshot(page, 'revision-2026-worker');
    expect(problems).toEqual([]);
  });
}

test('at 2026-07-28 the step-up runs on the shared step-up diagram, and the playground calls with the 2026 metadata', async ({ page }) => {
  await openPlayer(page);
  await playerOf(page).getByRole('radio', { name: /^2026-07-28/ }).check();
  await runThroughSignIn(page, 'revision-2026-step-up');
  await waitForPhase(page, 'success');
  const popupOpened = page.waitForEvent('popup');
  await playerOf(page).getByRole('button', { name: /Step up/ }).first().click();
  const popup = await popupOpened;
  await popup.getByRole('button', { name: 'Allow' }).click();
  await expect(step(page, 'call-allowed')).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
  await expect(playerOf(page).locator('[data-check="step-up-scopes"]')).toContainText('Asked for "mcp:read mcp:write"');

  const playground = playerOf(page).locator('[data-playground]');
  const open = playground.getByRole('button', { name: 'Open the editor' });
  if (await open.isVisible()) await open.click();
  await expect(playground.locator('[data-pg-status]')).toHaveText(/\d+ tools, from tools\/list just now\./, { timeout: 20_000 });
  await playground.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(playground.locator('[data-pg-result] .pg-kind')).toContainText('Result', { timeout: 15_000 });
});
