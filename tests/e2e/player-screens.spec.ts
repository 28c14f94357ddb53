import { expect, keepScreenshot, test } from './support/fixtures';
import { inspect, openPlayer, playerOf, runThroughSignIn, waitForPhase } from './support/player';

/** Screenshots of the player for review (test-results/screenshots/), after a real run. */
test.describe('flow player screenshots', () => {
  for (const theme of ['light', 'dark'] as const) {
    test(`desktop, ${theme}`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: theme });
      await page.setViewportSize({ width: 1440, height: 900 });
      await openPlayer(page);
      await keepScreenshot(page, `player-ready-${theme}`);
      await runThroughSignIn(page, `screens-${theme}`);
      await waitForPhase(page, 'success');
      await inspect(page, 'token');
      await keepScreenshot(page, `player-done-${theme}`);
      await playerOf(page).locator('.fp-variant:not([hidden]) .fp-canvas').screenshot({ path: `test-results/screenshots/player-diagram-${theme}.png` });
      await playerOf(page).locator('[data-fp-inspector]').screenshot({ path: `test-results/screenshots/player-inspector-${theme}.png` });
      await playerOf(page).getByRole('button', { name: 'Open the editor' }).click();
      await expect(playerOf(page).locator('.monaco-editor')).toContainText('"whoami"');
      await playerOf(page).getByRole('button', { name: 'Send', exact: true }).click();
      await expect(playerOf(page).locator('[data-pg-result] .pg-kind')).toContainText('Result', { timeout: 15_000 });
      await playerOf(page).locator('[data-fp-after]').screenshot({ path: `test-results/screenshots/player-tools-${theme}.png` });
    });
  }

  test('a failure, desktop', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await openPlayer(page);
    await playerOf(page).getByLabel('Try a failure').selectOption('wrong-verifier');
    await runThroughSignIn(page, 'screens-failure');
    await waitForPhase(page, 'failed');
    await keepScreenshot(page, 'player-failed');
  });

  test('a lesson on a phone', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ reducedMotion: 'reduce' }); // no smooth scrolling between the screenshots
    await openPlayer(page, '/lessons/scopes-and-step-up/');
    await runThroughSignIn(page, 'screens-phone');
    await waitForPhase(page, 'success');
    await inspect(page, 'callback');
    await keepScreenshot(page, 'player-lesson-mobile');
    // Screen-sized views of the player's parts, as a phone shows them.
    const parts = {
      top: playerOf(page),
      steps: playerOf(page).locator('.fp-variant:not([hidden]) .fp-steps-panel'),
      inspector: playerOf(page).locator('[data-fp-inspector]'),
      diagram: playerOf(page).locator('.fp-variant:not([hidden]) .fp-diagram'),
    };
    for (const [name, part] of Object.entries(parts)) {
      await part.evaluate((element) => element.scrollIntoView({ block: 'start' }));
      await page.evaluate(() => window.scrollBy(0, -110)); // below the sticky header
      await page.screenshot({ path: `test-results/screenshots/player-mobile-${name}.png` });
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
  });
});
