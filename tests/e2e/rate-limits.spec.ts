import type { APIRequestContext } from '@playwright/test';
import { untilAFreshWindowHasRoom } from '../support/client-address';
import { expect, keepScreenshot, test } from './support/fixtures';
import { control, inspect, message, openPlayer, playerOf, step, waitForPhase } from './support/player';

/**
 * The public lab counts client registrations and started traces per network address (100 a
 * minute each, wrangler.jsonc). Each test here is a learner at an address of its own (the
 * fixtures' CF-Connecting-IP, on every request of the test): it uses up its allowance from the
 * test, then presses Run and reads what the player says.
 */
const LIMIT = 100;
const REGISTRATION = { client_name: 'Rate limit e2e', redirect_uris: ['http://127.0.0.1:9/callback'], token_endpoint_auth_method: 'none' };

/** Sends `count` requests at once, then one more: the statuses of the first batch and the last. */
async function useUp(send: () => Promise<number>, count: number): Promise<{ first: number[]; last: number }> {
  const first = await Promise.all(Array.from({ length: count }, send));
  return { first, last: await send() };
}

const register = (request: APIRequestContext) => async () => (await request.post('/oauth/register', { data: REGISTRATION })).status();

test.describe('rate limits, as a learner meets them', () => {
  test('too many registrations: the run stops at the registration message with the real 429, explained, with when to try again', async ({ page, request }) => {
    await openPlayer(page);
    // The whole test inside one of the limiter's minutes (locally they start on the minute).
    await untilAFreshWindowHasRoom(20);
    const used = await useUp(register(request), LIMIT);
    expect(used.first.filter((status) => status === 201)).toHaveLength(LIMIT);
    expect(used.last).toBe(429);

    const clickedAt = Date.now();
    await control(page, 'Run').click();
    await waitForPhase(page, 'failed');

    // On the diagram: the registration message failed, nothing after it ran.
    await expect(step(page, 'register')).toHaveAttribute('data-state', 'error');
    await expect(message(page, 'register')).toHaveAttribute('data-state', 'error');
    await expect(step(page, 'as-metadata')).toHaveAttribute('data-state', 'done');
    await expect(step(page, 'token')).toHaveAttribute('data-state', 'pending');

    // The notice, in plain words, with when to try again and the two sections behind it.
    const notice = playerOf(page).locator('[data-fp-notice]');
    await expect(notice).toContainText('Too many requests from your network address');
    await expect(notice).toContainText('limits how many clients can be registered');
    await expect(notice).toContainText('"failure":"rate-limited"');
    await expect(notice.getByRole('link', { name: /RFC 6585 §4/ })).toHaveAttribute('href', 'https://www.rfc-editor.org/rfc/rfc6585#section-4');
    await expect(notice.getByRole('link', { name: /RFC 9110 §10\.2\.3/ })).toHaveAttribute('href', 'https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3');
    const retry = notice.locator('[data-retry-at]');
    await expect(retry).toHaveText(/^After \d{2}:\d{2}:\d{2}\.$/);
    // Retry-After: 60, counted from when the answer came.
    const retryAt = Number(await retry.getAttribute('data-retry-at'));
    expect(retryAt).toBeGreaterThanOrEqual(clickedAt + 60_000);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 60_000);
    await notice.scrollIntoViewIfNeeded();
    // The server's refusal is quoted verbatim, one long JSON line: it wraps, the page does not scroll sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await keepScreenshot(page, 'player-rate-limited');

    // In the inspector: the real exchange, as the page sent and received it.
    const registration = await inspect(page, 'register');
    await expect(registration.locator('.fp-http-status')).toContainText('429 Too Many Requests');
    await expect(registration.locator('.fp-exchange [data-part="response"] > .fp-raw')).toContainText(/^retry-after: 60$/m);
    await expect(registration.getByRole('group', { name: 'What went wrong' })).toContainText('When to try again');

    // A window the page opens (as the sign-in window is) is the same learner: refused too.
    const [opened] = await Promise.all([page.waitForEvent('popup'), page.evaluate(() => void window.open('/lab/authorizing', 'address-check'))]);
    await opened.waitForLoadState();
    expect(await opened.evaluate(async () => (await fetch('/oauth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status)).toBe(429);
  });

  test('too many traces: the player says so, and the run goes on without the Worker’s side', async ({ page, request }) => {
    await openPlayer(page);
    await untilAFreshWindowHasRoom(20);
    const used = await useUp(async () => (await request.post('/lab/traces')).status(), LIMIT);
    expect(used.first.filter((status) => status === 201)).toHaveLength(LIMIT);
    expect(used.last).toBe(429);

    const popupOpened = page.waitForEvent('popup');
    await control(page, 'Run').click();
    const notice = playerOf(page).locator('[data-fp-notice]');
    await expect(notice).toContainText('Too many requests from your network address');
    await expect(notice).toContainText('The run goes on without a trace');
    await expect(notice.locator('[data-retry-at]')).toHaveText(/^After \d{2}:\d{2}:\d{2}\.$/);
    // The run went on: registration is counted apart, and the sign-in window waits for the learner.
    await expect(step(page, 'register')).toHaveAttribute('data-state', 'done');
    const popup = await popupOpened;
    await popup.waitForURL((url) => url.pathname === '/authorize');
    await control(page, 'Reset').click();
  });
});
