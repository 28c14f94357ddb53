import type { ConsoleMessage, Locator, Page } from '@playwright/test';
import { expect } from './fixtures';

/**
 * Driving the flow player as a learner would: its controls by role, the sign-in window by its
 * labels, and reading what the player shows through `data-step` / `data-state` (the contract the
 * player keeps for tests and assistive technology).
 */

/** The player root: the one on the page (the /lab page and lessons have one each). */
export const playerOf = (page: Page) => page.locator('[data-flow-player]');

/** The step list buttons of the diagram on screen, in diagram order. */
export const stepButtons = (page: Page) => playerOf(page).locator('.fp-variant:not([hidden]) .fp-step');

export const step = (page: Page, id: string) => playerOf(page).locator(`.fp-variant:not([hidden]) .fp-step[data-step="${id}"]`);

export const message = (page: Page, id: string) => playerOf(page).locator(`.fp-variant:not([hidden]) svg .flow-message[data-step="${id}"]`);

export const inspector = (page: Page) => playerOf(page).locator('[data-fp-inspector]');

export const control = (page: Page, name: 'Run' | 'Step' | 'Pause' | 'Reset' | 'Continue' | 'Run again') =>
  playerOf(page).getByRole('button', { name, exact: true });

/**
 * Opens a page with a player and waits until Mermaid has drawn its diagram (drawn once it comes
 * near the viewport: scrolled into view first).
 */
export async function openPlayer(page: Page, path = '/lab'): Promise<void> {
  await page.goto(path);
  const canvas = playerOf(page).locator('.fp-variant:not([hidden]) .fp-canvas');
  await canvas.scrollIntoViewIfNeeded();
  await expect(playerOf(page).locator('.fp-variant:not([hidden])')).toHaveAttribute('data-drawn', '');
  await page.evaluate(() => window.scrollTo(0, 0));
}

export interface StepInfo {
  id: string;
  state: string;
  optional: boolean;
  /** When the exchange behind it started (epoch ms), if one did. */
  at: number | null;
}

export async function stepInfo(page: Page): Promise<StepInfo[]> {
  return stepButtons(page).evaluateAll((buttons) =>
    buttons.map((button) => {
      const element = button as HTMLElement;
      return { id: element.dataset.step!, state: element.dataset.state!, optional: element.dataset.optional !== undefined, at: element.dataset.at ? Number(element.dataset.at) : null };
    }),
  );
}

/** Waits until the run is no longer going (success, failure, pause). */
export async function waitForPhase(page: Page, phase: 'success' | 'failed' | 'paused' | 'idle'): Promise<void> {
  await expect(playerOf(page)).toHaveAttribute('data-phase', phase, { timeout: 20_000 });
}

/**
 * Records every `data-state` change of the step list, in the order the page made them, so a
 * test can check the order messages lit up in. Install before Run.
 */
export async function recordStateChanges(page: Page): Promise<() => Promise<{ id: string; state: string }[]>> {
  await playerOf(page).evaluate((root) => {
    const changes: { id: string; state: string }[] = [];
    (window as unknown as { __stateChanges: typeof changes }).__stateChanges = changes;
    new MutationObserver((records) => {
      for (const record of records) {
        const element = record.target as HTMLElement;
        if (element.classList.contains('fp-step')) changes.push({ id: element.dataset.step!, state: element.dataset.state! });
      }
    }).observe(root, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  return () => page.evaluate(() => (window as unknown as { __stateChanges: { id: string; state: string }[] }).__stateChanges);
}

/**
 * The sign-in window: signs in (if the browser is not signed in yet) with the given name, then
 * answers the consent page, the way a user would, with the mouse or the keyboard.
 */
export async function answerInSignInWindow(
  popup: Page,
  options: { userName: string; decision: 'Allow' | 'Deny'; keyboard?: boolean },
): Promise<{ csrf: string | null; handle: string | null }> {
  await popup.waitForURL((url) => url.pathname === '/authorize');
  const consentHeading = popup.getByRole('heading', { level: 1, name: /^Allow/ });
  const userName = popup.getByLabel('User name');
  await expect(userName.or(consentHeading)).toBeVisible();
  let csrf: string | null = null;
  if (await userName.isVisible()) {
    csrf = await popup.locator('input[name="csrf"]').getAttribute('value');
    if (options.keyboard) {
      await expect(userName).toBeFocused();
      await popup.keyboard.press('ControlOrMeta+A');
      await popup.keyboard.type(options.userName);
    } else {
      await userName.fill(options.userName);
    }
    await popup.keyboard.press('Enter');
  }
  await expect(consentHeading).toBeVisible();
  const handle = await popup.locator('input[name="handle"]').getAttribute('value');
  const button = popup.getByRole('button', { name: options.decision, exact: true });
  if (options.keyboard) {
    for (let presses = 0; presses < 20 && !(await button.evaluate((element) => element === document.activeElement)); presses++) {
      await popup.keyboard.press('Tab');
    }
    await expect(button).toBeFocused();
    await popup.keyboard.press('Enter');
  } else {
    await button.click();
  }
  return { csrf, handle };
}

/** Presses Run and completes sign-in and consent in the window it opens. */
export async function runThroughSignIn(page: Page, userName: string, decision: 'Allow' | 'Deny' = 'Allow') {
  const popupOpened = page.waitForEvent('popup');
  await control(page, 'Run').click();
  const popup = await popupOpened;
  const secrets = await answerInSignInWindow(popup, { userName, decision });
  return { popup, ...secrets };
}

/** Opens a step in the inspector from the list and returns the inspector. */
export async function inspect(page: Page, id: string): Promise<Locator> {
  await step(page, id).click();
  // The label as shown, without the "Step n:" prefix kept for screen readers.
  const label = await step(page, id)
    .locator('.fp-step-label')
    .evaluate((element) => [...element.childNodes].filter((node) => !(node instanceof Element && node.classList.contains('visually-hidden'))).map((node) => node.textContent).join('').trim());
  await expect(inspector(page).locator('.fp-panel-title')).toHaveText(label);
  return inspector(page);
}

/**
 * What a reader would see as breakage, minus what a working flow must show: the browser logs
 * every 4xx a page's fetch receives, and the flow's first request is answered 401 on purpose.
 */
export function collectPlayerProblems(page: Page, expected: { status: number; url: string }[]): string[] {
  const problems: string[] = [];
  const isExpected = (status: number, url: string) => expected.some((one) => one.status === status && one.url === url);
  const seenExpected = new Set<string>();
  page.on('response', (response) => {
    if (response.status() < 400) return;
    if (isExpected(response.status(), response.url())) seenExpected.add(response.url());
    else problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    const status = /status of (\d{3})/.exec(message.text())?.[1];
    if (status && isExpected(Number(status), message.location().url)) return;
    problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    if (reason === 'net::ERR_ABORTED') return;
    problems.push(`failed: ${request.method()} ${request.url()} (${reason})`);
  });
  return problems;
}
