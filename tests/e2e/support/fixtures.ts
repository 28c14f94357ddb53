import { test as base, expect, type Page } from '@playwright/test';
import { mkdir } from 'node:fs/promises';
import { CLIENT_ADDRESS_HEADER, newClientAddress } from '../../support/client-address';

/**
 * `origin` is the preview server's origin (also the baseURL). `clientAddress` is where this test's
 * browser is on the network: every request of the test (its pages, the sign-in window, `request`)
 * carries it as CF-Connecting-IP, so the Worker, which counts registrations and traces per address,
 * sees each test as a learner of its own (tests/support/client-address.ts). `pageProblems` collects
 * what a reader would see as breakage: console errors, uncaught exceptions, failed or 4xx/5xx requests.
 */
export const test = base.extend<{ origin: string; clientAddress: string }>({
  origin: async ({}, use) => {
    const origin = process.env.E2E_ORIGIN;
    if (!origin) throw new Error('E2E_ORIGIN is not set: run through `npx playwright test` (global-setup starts the server).');
    await use(origin);
  },
  baseURL: async ({ origin }, use) => use(origin),
  clientAddress: async ({}, use) => use(newClientAddress()),
  extraHTTPHeaders: async ({ extraHTTPHeaders, clientAddress }, use) => use({ ...extraHTTPHeaders, [CLIENT_ADDRESS_HEADER]: clientAddress }),
});

export { expect };

export function collectPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    // ERR_ABORTED: the page navigated away while this load (often the icon) was in flight.
    if (reason === 'net::ERR_ABORTED') return;
    problems.push(`failed: ${request.method()} ${request.url()} (${reason})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return problems;
}

/**
 * Presses Tab (at most `limit` times) until `target` has focus, as a keyboard user would.
 * Fails if it never does: the control is not reachable by keyboard.
 */
export async function tabTo(page: Page, target: ReturnType<Page['locator']>, limit = 25): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target, `not reachable with ${limit} presses of Tab`).toBeFocused();
}

/** Explicit full-page screenshots, kept in test-results/screenshots/ and attached to the report. */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  await mkdir('test-results/screenshots', { recursive: true });
  const path = `test-results/screenshots/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  await test.info().attach(name, { path, contentType: 'image/png' });
}
