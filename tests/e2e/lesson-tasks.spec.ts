import { expect, test } from './support/fixtures';
import { openPlayer, playerOf, runThroughSignIn, step, waitForPhase } from './support/player';

/**
 * A lesson sets its player up for the task it gives ("predict, then run"): the task stands beside
 * the text, and the run's choices start where the task needs them.
 */
test('the registration lesson sets the player to Pre-registered, and the run shows it', async ({ page }) => {
  await openPlayer(page, '/lessons/client-registration/');
  const task = page.getByRole('complementary', { name: 'Predict, then run' });
  await expect(task).toContainText('Pre-registered');
  await expect(task.getByRole('link', { name: /Go to the player/ })).toHaveAttribute('href', '#lesson-player');
  await expect(playerOf(page).getByRole('radio', { name: 'Pre-registered' })).toBeChecked();

  await runThroughSignIn(page, 'task-preregistered');
  await waitForPhase(page, 'success');
  await expect(step(page, 'preregistered')).toHaveAttribute('data-state', 'done');
  await expect(step(page, 'register')).not.toHaveAttribute('data-state', 'done');
});

test('the sign-in lesson starts its player with the wrong PKCE verifier; other lessons start clean', async ({ page }) => {
  await page.goto('/lessons/authorization-code/');
  await expect(page.getByRole('complementary', { name: 'Predict, then run' })).toContainText('wrong PKCE verifier');
  await expect(playerOf(page).getByLabel('Try a failure')).toHaveValue('wrong-verifier');
  await page.goto('/lessons/discovery/');
  await expect(playerOf(page).getByLabel('Try a failure')).toHaveValue('');
  await expect(playerOf(page).getByRole('radio', { name: 'Dynamic (DCR)' })).toBeChecked();
});

test('the transports lesson starts on legacy HTTP+SSE, the option lessons on their own option, each with its task', async ({ page }) => {
  await page.goto('/lessons/transports/');
  await expect(page.getByRole('complementary', { name: 'Predict, then run' })).toContainText('/sse/message');
  await expect(playerOf(page).getByRole('radio', { name: 'Legacy HTTP+SSE' })).toBeChecked();

  await page.goto('/lessons/third-party-provider/');
  await expect(page.getByRole('complementary', { name: 'Predict, then run' })).toContainText('how many authorization codes');
  await expect(playerOf(page).getByRole('figure', { name: /Sequence diagram: Option 2/ }).first()).toBeVisible();

  await page.goto('/lessons/bring-your-own-provider/');
  await expect(page.getByRole('complementary', { name: 'Predict, then run' })).toContainText('choose 3b');
  await expect(playerOf(page).getByRole('radio', { name: /3a · OIDC proxy/ })).toBeChecked();
});
