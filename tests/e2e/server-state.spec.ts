import { mkdir } from 'node:fs/promises';
import type { Locator, Page, Response } from '@playwright/test';
import { authorizeAsUser, CookieJar } from '../support/headless-user';
import { expect, test } from './support/fixtures';
import { authorizationRequest, redeemCode, registerClient } from './support/oauth-client';
import { control, openPlayer, playerOf, runThroughSignIn, waitForPhase } from './support/player';
import { chooseOption, ENDPOINT, runThroughProvider, type ProviderOption } from './player-options-support';

/**
 * "What the Worker keeps" (site/player/server-state.ts, components/player/ServerState.astro):
 * after a run, in the player's "After the flow" area, the panel reads GET /lab/grant-state with
 * the run's access token and explains each record. One run per option.
 *
 * The first describe needs the panel wired into the player (`[data-flow-player] [data-server-state]`);
 * the second checks the route itself against the production build, from a page and from Node.
 */
const panelOf = (page: Page) => playerOf(page).locator('[data-server-state]');
const showButton = (page: Page) => panelOf(page).getByRole('button', { name: 'Show what the Worker keeps' });
const record = (page: Page, id: string) => panelOf(page).locator(`[data-ss-record="${id}"]`);

/** Presses the button and returns the route's answer, as the page received it. */
async function show(page: Page): Promise<{ response: Response; token: string; text: string }> {
  const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/lab/grant-state');
  await showButton(page).click();
  const response = await answered;
  const token = (response.request().headers().authorization ?? '').replace(/^Bearer /, '');
  return { response, token, text: await response.text() };
}

/** The panel shows no token: not the presented one, not its secret part. */
async function expectNoTokenIn(panel: Locator, token: string) {
  const shown = (await panel.textContent()) ?? '';
  expect(token.length).toBeGreaterThan(20);
  expect(shown).not.toContain(token);
  expect(shown).not.toContain(token.split(':').at(-1)!);
}

test.describe('after a run: what the Worker keeps for this learner', () => {
  test('option 1: the grant, the token record, the props, the notes; nothing secret in clear', async ({ page }) => {
    const userName = `ss-${Date.now().toString(36)}`;
    await openPlayer(page);
    await runThroughSignIn(page, userName);
    await waitForPhase(page, 'success');

    const panel = panelOf(page);
    await expect(panel).toBeVisible();
    await expect(panel.getByRole('heading', { name: 'The server’s side' })).toBeVisible();
    await expect(panel).toHaveAttribute('data-state', 'idle');
    const { response, token, text } = await show(page);
    expect(response.status()).toBe(200);
    expect(response.headers()['cache-control']).toBe('no-store');
    expect(text).not.toContain(token);

    await expect(panel).toHaveAttribute('data-state', 'shown');
    await expect(panel.getByRole('status')).toContainText('Read at');
    await expect(panel.locator('[data-ss-summary]')).toContainText('Option 1: The Worker signed you in itself');
    await expect(panel.getByRole('heading', { name: 'The grant' })).toBeVisible();
    await expect(record(page, 'grant').locator('.ss-key')).toContainText(`grant:${userName}:`);
    await expect(record(page, 'grant')).toContainText(/encrypted \(\d+ bytes\): holds /);
    for (const prop of ['signedInWith', 'userId', 'userName']) await expect(record(page, 'grant').locator('dd').last()).toContainText(prop);
    await expect(record(page, 'grant')).toContainText('KV deletes it on');
    await expect(record(page, 'token-current').locator('.ss-key')).toContainText(new RegExp(`token:${userName}:[\\w-]{16}:[0-9a-f]{64}`));
    await expect(record(page, 'token-current')).toContainText(/expires on .+\(in (59|60) minutes\)/);
    await expect(record(page, 'props')).toContainText(userName);
    await expect(record(page, 'note').locator('.ss-key')).toHaveText(`KV key note:${userName}`);
    await expect(record(page, 'upstream')).toHaveCount(0);
    await expectNoTokenIn(panel, token);
  });

  for (const option of ['github', 'oidc-proxy'] satisfies ProviderOption[]) {
    test(`${option}: the provider’s token is inside the encrypted props, shown masked`, async ({ page }) => {
      await openPlayer(page);
      await chooseOption(page, option);
      await runThroughProvider(page, option);
      await waitForPhase(page, 'success');

      const { response, token } = await show(page);
      expect(response.status()).toBe(200);
      const panel = panelOf(page);
      await expect(panel).toHaveAttribute('data-state', 'shown');
      await expect(panel.locator('[data-ss-summary]')).toContainText(`Option ${option === 'github' ? '2' : '3a'}:`);
      const upstream = record(page, 'upstream');
      const prefix = option === 'github' ? 'gho_' : 'eyJ';
      const path = option === 'github' ? 'github.accessToken' : 'oidc.accessToken';
      await expect(upstream.getByRole('heading')).toHaveText(option === 'github' ? 'Simulated GitHub’s access token' : 'Simulated OIDC provider’s access token');
      await expect(upstream).toContainText(`props.${path} (encrypted)`);
      await expect(upstream.locator('[data-masked] code')).toHaveText(new RegExp(`^${prefix}…\\(\\d+ chars\\)$`));
      await expect(record(page, 'grant')).toContainText(path);
      await expect(record(page, 'props').locator('dd[data-masked]').first()).toContainText(`${prefix}…(`);
      await expectNoTokenIn(panel, token);
    });
  }

  test('oidc-external: no grant stored, and why; the token checked, the keys cached in memory', async ({ page }) => {
    await openPlayer(page);
    await chooseOption(page, 'oidc-external');
    await runThroughProvider(page, 'oidc-external');
    await waitForPhase(page, 'success');

    const { response, token } = await show(page);
    expect(response.status()).toBe(200);
    const panel = panelOf(page);
    await expect(panel.locator('[data-ss-summary]')).toContainText('keeps no grant and no token record');
    await expect(panel.getByRole('heading', { name: 'No grant, no token record' })).toBeVisible();
    await expect(record(page, 'claims')).toContainText(/eyJ…\(\d+ chars\)/);
    await expect(record(page, 'caches')).toContainText('/simulated/oidc/jwks');
    await expect(record(page, 'note').locator('.ss-key')).toContainText(/note:external_[\w-]{22}/);
    await expect(record(page, 'grant')).toHaveCount(0);
    expect((await panel.textContent()) ?? '').not.toContain(token);
  });

  test('after revoking the token, the panel shows nothing and says why; Reset forgets what it showed', async ({ page }) => {
    await openPlayer(page);
    await runThroughSignIn(page, `ss-revoke-${Date.now().toString(36)}`);
    await waitForPhase(page, 'success');
    await show(page);
    await expect(panelOf(page)).toHaveAttribute('data-state', 'shown');

    await playerOf(page).getByRole('button', { name: 'Revoke the token' }).click();
    await expect(playerOf(page).locator('.fp-step[data-step="revoked-call"]').first()).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
    await showButton(page).click();
    await expect(panelOf(page)).toHaveAttribute('data-state', 'error');
    await expect(panelOf(page).getByRole('status')).toHaveText(/did not accept this access token|no access token yet/);
    await expect(record(page, 'grant')).toHaveCount(0);

    await control(page, 'Reset').click();
    await expect(panelOf(page)).toHaveAttribute('data-state', 'idle');
    await expect(panelOf(page).locator('[data-ss-status]')).toHaveText('');
    await expect(panelOf(page).locator('[data-ss-record]')).toHaveCount(0);
  });

  test('fits a 390 px phone: nothing scrolls sideways', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openPlayer(page);
    await chooseOption(page, 'github');
    await runThroughProvider(page, 'github');
    await waitForPhase(page, 'success');
    await show(page);
    await expect(record(page, 'upstream')).toBeVisible();
    await record(page, 'token-current').scrollIntoViewIfNeeded();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const wide = await panelOf(page).evaluate((root) =>
      [...root.querySelectorAll<HTMLElement>('.ss-record, dl, dd, code')].filter((element) => element.scrollWidth > element.clientWidth + 1).map((element) => element.outerHTML.slice(0, 80)),
    );
    expect(wide).toEqual([]);
    await mkdir('test-results/screenshots', { recursive: true });
    await panelOf(page).screenshot({ path: 'test-results/screenshots/server-state-390.png' });
  });
});

test.describe('GET /lab/grant-state on the production build', () => {
  /** A real option 1 token for /mcp, by the headless user (no player involved). */
  async function workerToken(origin: string, userName: string) {
    const client = await registerClient(origin, 'server-state e2e');
    const request = authorizationRequest(origin, client);
    const outcome = await authorizeAsUser(request.url, new CookieJar(), { userName });
    const code = new URL(outcome.location!).searchParams.get('code')!;
    const { status, body } = await redeemCode(origin, client, request, code);
    expect(status).toBe(200);
    return { token: String(body.access_token), resource: request.resource };
  }

  test('from the page (same origin): 200 with the learner’s own grant; no token: 401', async ({ page, origin }) => {
    const userName = `ss-route-${Date.now().toString(36)}`;
    const { token, resource } = await workerToken(origin, userName);
    await page.goto('/');
    const answer = await page.evaluate(
      async ({ token, resource }) => {
        const url = `/lab/grant-state?${new URLSearchParams({ resource })}`;
        const withToken = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
        const without = await fetch(url);
        return { status: withToken.status, cache: withToken.headers.get('cache-control'), text: await withToken.text(), refused: without.status, refusal: await without.json() };
      },
      { token, resource },
    );
    expect(answer.status).toBe(200);
    expect(answer.cache).toBe('no-store');
    const state = JSON.parse(answer.text);
    expect(state).toMatchObject({ kind: 'grant', option: 'worker', userId: userName, resource, grant: { key: expect.stringMatching(new RegExp(`^grant:${userName}:`)) } });
    expect(answer.text).not.toContain(token);
    expect(answer.refused).toBe(401);
    expect(answer.refusal).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
  });

  test('from Node: another site is refused (403), garbage is 401, never a 500', async ({ origin }) => {
    const { token, resource } = await workerToken(origin, `ss-node-${Date.now().toString(36)}`);
    const url = `${origin}/lab/grant-state?${new URLSearchParams({ resource })}`;
    const status = async (headers: Record<string, string>) => (await fetch(url, { headers })).status;
    expect(await status({ authorization: `Bearer ${token}` })).toBe(200);
    expect(await status({ authorization: `Bearer ${token}`, origin: 'https://evil.example' })).toBe(403);
    expect(await status({ authorization: `Bearer ${token}`, 'sec-fetch-site': 'cross-site' })).toBe(403);
    for (const garbage of ['garbage', 'a:b:c', `${token}x`, 'eyJhbGciOiJub25lIn0.e30.']) expect(await status({ authorization: `Bearer ${garbage}` })).toBe(401);
    for (const endpoint of Object.values(ENDPOINT)) {
      const other = `${origin}/lab/grant-state?${new URLSearchParams({ resource: origin + endpoint })}`;
      expect((await fetch(other, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    }
  });
});
