import type { Page } from '@playwright/test';
import { expect, keepScreenshot, tabTo, test } from './support/fixtures';
import { authorizationRequest, CALLBACK_PATH, redeemCode, registerClient, type AuthorizationRequest } from './support/oauth-client';

/**
 * The server's sign-in and consent pages in a real browser, driven by keyboard only. The client
 * side (registration, PKCE, the callback) is played by the test, so every value can be checked.
 */

/** Signs in on the sign-in page with the keyboard: the user name field has focus on arrival. */
async function signInByKeyboard(page: Page, userName: string) {
  const field = page.getByLabel('User name');
  await expect(field).toBeFocused();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(userName);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: /^Allow/ })).toBeVisible();
}

/** Reaches a consent button with Tab alone and presses it. */
async function chooseByKeyboard(page: Page, decision: 'Allow' | 'Deny', key: 'Enter' | 'Space' = 'Enter') {
  const button = page.getByRole('button', { name: decision, exact: true });
  await tabTo(page, button);
  await page.keyboard.press(key);
}

function callbackParams(page: Page, origin: string): URLSearchParams {
  const url = new URL(page.url());
  expect(url.origin + url.pathname).toBe(origin + CALLBACK_PATH);
  return url.searchParams;
}

test.describe('sign-in and consent', () => {
  let request: AuthorizationRequest;

  test('keyboard only: sign in, Allow, and land on the callback with code, state and iss', async ({ page, origin }) => {
    const client = await registerClient(origin, 'Keyboard E2E client');
    request = authorizationRequest(origin, client);

    const signIn = await page.goto(request.url);
    expect(signIn?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to MCP Auth Lab' })).toBeVisible();
    await keepScreenshot(page, 'sign-in');

    await signInByKeyboard(page, 'keyboard-user');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Keyboard E2E client');
    await expect(page.getByRole('checkbox', { name: /mcp:read/ })).toBeChecked();
    await expect(page.getByRole('checkbox', { name: /mcp:write/ })).toBeChecked();
    await keepScreenshot(page, 'consent');

    await chooseByKeyboard(page, 'Allow', 'Space');
    await page.waitForURL((url) => url.pathname === CALLBACK_PATH);
    const params = callbackParams(page, origin);
    expect(params.get('code')).toMatch(/.{16,}/);
    expect(params.get('state')).toBe(request.state);
    expect(params.get('iss')).toBe(origin);
    expect(params.has('error')).toBe(false);

    // The code is real: with the PKCE verifier it buys a token for the requested resource.
    const token = await redeemCode(origin, client, request, params.get('code')!);
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ token_type: expect.stringMatching(/^bearer$/i), scope: 'mcp:read mcp:write' });
  });

  test('keyboard only: Deny lands on the callback with access_denied, state and iss', async ({ page, origin }) => {
    const client = await registerClient(origin, 'Deny E2E client');
    request = authorizationRequest(origin, client);
    await page.goto(request.url);
    await signInByKeyboard(page, 'denying-user');
    await chooseByKeyboard(page, 'Deny');

    await page.waitForURL((url) => url.pathname === CALLBACK_PATH);
    const params = callbackParams(page, origin);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBe(request.state);
    expect(params.get('iss')).toBe(origin);
    expect(params.has('code')).toBe(false);
  });

  test('the consent page names the client and escapes a hostile client name', async ({ page, origin }) => {
    const hostileName = '<img src=x onerror=alert(1)>';
    const client = await registerClient(origin, hostileName);
    request = authorizationRequest(origin, client);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });

    await page.goto(request.url);
    await signInByKeyboard(page, 'careful-user');

    const details = page.locator('dl');
    await expect(details.getByText(hostileName, { exact: true })).toBeVisible();
    await expect(details.getByText(client.client_id, { exact: true })).toBeVisible();
    await expect(details.getByText(new URL(origin).hostname, { exact: true })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 })).toContainText(hostileName);
    await expect(page.locator('img')).toHaveCount(0);
    expect(dialogs).toEqual([]);
  });

  test('the sign-in page cannot be framed', async ({ page, origin }) => {
    const client = await registerClient(origin, 'Framing check');
    request = authorizationRequest(origin, client);
    const response = await page.goto(request.url);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(headers['x-frame-options']).toBe('DENY');

    // And a browser enforces it: a page that frames the sign-in page gets nothing from it. The
    // site's home page, framed beside it, is the control that shows a framed page would load.
    await page.goto('/');
    await page.locator('body').evaluate((body, urls) => {
      body.insertAdjacentHTML(
        'beforeend',
        urls.map(([title, url]) => `<iframe title="${title}" src="${url.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"></iframe>`).join(''),
      );
    }, [['framed home', `${origin}/`], ['framed sign-in', request.url]]);
    await expect(page.frameLocator('iframe[title="framed home"]').getByRole('heading', { level: 1 })).toHaveCount(1);
    const signInFrame = () => page.frames().find((frame) => frame.parentFrame() && frame.url() !== `${origin}/`);
    await expect.poll(() => signInFrame()?.url()).toMatch(/^chrome-error:/);
    await expect(page.frameLocator('iframe[title="framed sign-in"]').getByLabel('User name')).toHaveCount(0);
  });
});
