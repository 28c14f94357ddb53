import { attacks, expectRefused, notice, runAttack } from './support/attack-labs';
import { expect, keepScreenshot, test } from './support/fixtures';
import { openPlayer, playerOf, runThroughSignIn, step, waitForPhase } from './support/player';
import { chooseOption, runThroughProvider } from './player-options-support';

/**
 * The attack labs in the live player: after a clean run, the learner reads what to predict, runs
 * the attack for real, and the lab ends on the request the server refused, drawn on the lab's own
 * diagram with the Attacker as a box, with why it was refused and the spec clause.
 */
test('option 1: a token at another endpoint, a swapped redirect URI, and a stolen code are each refused, on the lab’s own diagram', async ({ page }) => {
  await openPlayer(page);
  await runThroughSignIn(page, 'attack-victim');
  await waitForPhase(page, 'success');
  await expect(attacks(page).locator('[data-fp-attack]')).toHaveCount(7);

  await runAttack(page, 'wrong-audience');
  await expectRefused(page, 'attack-wrong-audience', 'replay', /refused it: a token for another endpoint/);
  await notice(page).getByRole('button', { name: /Inspect the refused request \(401\)/ }).click();
  await expect(playerOf(page).locator('[data-fp-inspector]')).toContainText('invalid_token');
  await keepScreenshot(page, 'attack-wrong-audience');

  // The isolated demo: the same token where the check is switched off gets through, and answers as you.
  const demo = attacks(page).locator('li').filter({ has: page.locator('[data-fp-attack="audience-unchecked"]') });
  await expect(demo.locator('.fp-attack-demo')).toContainText('Isolated demo');
  await runAttack(page, 'audience-unchecked');
  await expectRefused(page, 'attack-audience-unchecked', 'replay-unchecked', /It got through \(isolated demo\): the same token where the audience check is switched off/);
  await notice(page).getByRole('button', { name: /Inspect the accepted request \(200\)/ }).click();
  await expect(playerOf(page).locator('[data-fp-inspector]')).toContainText('attack-victim');
  await keepScreenshot(page, 'attack-audience-unchecked');

  await runAttack(page, 'redirect-swap');
  await expectRefused(page, 'attack-redirect-swap', 'script-uri', /refused it: a swapped redirect uri/i);
  await expect(step(page, 'swapped-link')).toHaveAttribute('data-state', 'done');

  // The stolen-code lab needs one more sign-in by the victim: the window opens in the click.
  const popupOpened = page.waitForEvent('popup');
  await runAttack(page, 'stolen-code');
  const popup = await popupOpened;
  await popup.getByRole('button', { name: 'Allow' }).click();
  await expectRefused(page, 'attack-stolen-code', 'stolen-code', /refused it: a stolen authorization code/);
  await expect(step(page, 'callback')).toHaveAttribute('data-state', 'done');

  // A tampered link asking for plain PKCE: the browser is sent straight back with an error, no code.
  const downgradeWindow = page.waitForEvent('popup');
  await runAttack(page, 'pkce-downgrade');
  await downgradeWindow;
  await expectRefused(page, 'attack-pkce-downgrade', 'error-callback', /refused it: a pkce downgrade to plain/i);
  await expect(step(page, 'plain-link')).toHaveAttribute('data-state', 'done');
});

test('option 1 over legacy SSE: another user’s valid token posting into your session gets 404', async ({ page }) => {
  await openPlayer(page);
  await playerOf(page).getByRole('radio', { name: 'Legacy HTTP+SSE' }).check();
  await runThroughSignIn(page, 'session-owner');
  await waitForPhase(page, 'success');
  await expect(attacks(page).locator('[data-fp-attack="session-hijack"]')).toHaveCount(1);
  const popupOpened = page.waitForEvent('popup');
  await runAttack(page, 'session-hijack');
  const popup = await popupOpened;
  // Play the attacker in the window: sign out, sign in as someone else, allow.
  await popup.getByRole('button', { name: 'Not you? Sign out' }).click();
  await popup.getByLabel('User name').fill('mallory');
  await popup.getByLabel('User name').press('Enter');
  await popup.getByRole('button', { name: 'Allow' }).click();
  await expectRefused(page, 'attack-session-hijack', 'hijack', /refused it: another user in your sse session/i);
  await expect(step(page, 'token')).toHaveAttribute('data-state', 'done');
});

test('option 2: the confused deputy: the Worker asks about the attacker’s client itself, and a Deny leaves it without a code', async ({ page }) => {
  await openPlayer(page);
  await chooseOption(page, 'github');
  await runThroughProvider(page, 'github');
  await waitForPhase(page, 'success');
  await expect(attacks(page).locator('[data-fp-attack]')).toHaveCount(4);
  const popupOpened = page.waitForEvent('popup');
  await runAttack(page, 'confused-deputy');
  const popup = await popupOpened;
  // The Worker's own consent page names the attacker's client, though GitHub would not have asked.
  await expect(popup.getByRole('heading', { level: 1 })).toContainText('Totally Legit App');
  await popup.getByRole('button', { name: 'Deny' }).click();
  await expectRefused(page, 'attack-confused-deputy', 'denied-callback', /refused it: the confused deputy/);
  await expect(step(page, 'consent-page')).toHaveAttribute('data-state', 'done');
  await expect(step(page, 'deny')).toHaveAttribute('data-state', 'done');
});

test('option 3b: the provider’s token presented at option 1’s /mcp is refused (token passthrough)', async ({ page }) => {
  await openPlayer(page);
  await chooseOption(page, 'oidc-external');
  await runThroughProvider(page, 'oidc-external');
  await waitForPhase(page, 'success');
  await expect(attacks(page).locator('[data-fp-attack]')).toHaveCount(2);
  await runAttack(page, 'token-passthrough');
  await expectRefused(page, 'attack-token-passthrough', 'passthrough', /refused it: token passthrough/);
});
