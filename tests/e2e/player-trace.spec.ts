import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures';
import { inspect, openPlayer, playerOf, runThroughSignIn, waitForPhase } from './support/player';

/**
 * The trace behind the player: only the browser that started it can read it, and what the Worker
 * sends to it has its secrets removed (codes, the consent form's handle, the sign-in CSRF value,
 * cookies), while the page may reveal its own.
 */

/** Opens the trace's event stream from inside a page, and reports how it went. */
function listen(page: Page, url: string) {
  return page.evaluate(
    (socketUrl) =>
      new Promise<{ opened: boolean; messages: string[] }>((resolve) => {
        const socket = new WebSocket(socketUrl);
        const result = { opened: false, messages: [] as string[] };
        socket.addEventListener('open', () => (result.opened = true));
        socket.addEventListener('message', (event) => {
          result.messages.push(String(event.data));
          socket.close();
        });
        socket.addEventListener('close', () => resolve(result));
      }),
    url,
  );
}

test('a second browser cannot read the first one’s trace', async ({ page, browser, origin }) => {
  await openPlayer(page);
  const traceStarted = page.waitForResponse((response) => response.url() === `${origin}/lab/traces` && response.request().method() === 'POST');
  await runThroughSignIn(page, 'trace-owner');
  const { traceId } = (await (await traceStarted).json()) as { traceId: string };
  await waitForPhase(page, 'success');
  const events = `${origin.replace(/^http/, 'ws')}/lab/traces/${traceId}/events`;

  // The owner can: the stream greets it and replays what the Worker recorded.
  const owner = await listen(page, events);
  expect(owner.opened).toBe(true);
  expect(JSON.parse(owner.messages[0])).toMatchObject({ type: 'hello', traceId });

  // Another browser (its own cookies) is refused, over WebSocket and over plain HTTP.
  const stranger = await browser.newContext();
  try {
    const other = await stranger.newPage();
    await other.goto(`${origin}/lab`);
    const refused = await listen(other, events);
    expect(refused).toEqual({ opened: false, messages: [] });
    const http = await other.request.get(`${origin}/lab/traces/${traceId}/events`);
    expect(http.status()).toBe(403);
    // Not even with a trace of its own.
    await other.evaluate(() => fetch('/lab/traces', { method: 'POST' }));
    expect(await listen(other, events)).toEqual({ opened: false, messages: [] });
  } finally {
    await stranger.close();
  }
});

test('redaction: the Worker’s records of the sign-in window carry no code, handle, CSRF value or cookie', async ({ page, context }) => {
  await openPlayer(page);
  const { csrf, handle } = await runThroughSignIn(page, 'trace-redaction');
  await waitForPhase(page, 'success');
  expect(csrf).toMatch(/.{16,}/);
  expect(handle).toMatch(/.{16,}/);

  // The code, as the page itself redeemed it (its own exchange, revealed on request).
  const token = await inspect(page, 'token');
  await token.getByRole('button', { name: 'Reveal this page’s secrets' }).click();
  const form = await token.locator('.fp-body-form').innerText();
  const code = /^code = (.+)$/m.exec(form)?.[1];
  expect(code).toMatch(/.{16,}/);
  const cookies = (await context.cookies()).map((cookie) => cookie.value).filter((value) => value.length >= 16);
  expect(cookies.length).toBeGreaterThanOrEqual(2); // the trace cookie and the sign-in session at least
  const secrets = [code!, csrf!, handle!, ...cookies];

  for (const id of ['authorize', 'sign-in', 'consent-page', 'consent', 'callback']) {
    const panel = await inspect(page, id);
    const text = await panel.locator('.fp-exchange').innerText();
    expect(text, `step ${id}`).toContain('Captured by the Worker');
    for (const secret of secrets) expect(text, `step ${id} shows a secret`).not.toContain(secret);
    // What was hidden is said, not silently dropped.
    await expect(panel.locator('.fp-redaction-note')).toContainText('The Worker hid this before it left the server');
    // And there is nothing to reveal: the values never reached the page.
    await expect(panel.getByRole('button', { name: /Reveal/ })).toHaveCount(0);
  }
  const callback = await inspect(page, 'callback');
  await expect(callback.locator('.fp-request-line')).toContainText('code=[redacted code,');
  const consent = await inspect(page, 'consent');
  await expect(consent.locator('.fp-body-form')).toContainText('handle = [redacted handle,');
  await expect(playerOf(page).locator('.fp-redacted').first()).toBeVisible();
});
