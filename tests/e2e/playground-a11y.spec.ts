import type { Page } from '@playwright/test';
import { mkdir } from 'node:fs/promises';
import { expect, test } from './support/fixtures';
import { answerInSignInWindow, control, openPlayer, playerOf, runThroughSignIn, waitForPhase } from './support/player';

/**
 * The tool playground for a keyboard-only user, a screen-reader user and a phone: Tab and
 * Shift+Tab in and out of Monaco (Ctrl+M switches Tab to indent), what the live regions say when a
 * call ends (once, in words, not the JSON; progress is not read tick by tick), where focus goes
 * when the answer replaces the old one and after a step-up, and no sideways scrolling at 390 px.
 */
const playground = (page: Page) => playerOf(page).locator('[data-playground]');
const editorBox = (page: Page) => playground(page).getByRole('textbox', { name: /^JSON-RPC request to send/ });
const sendButton = (page: Page) => playground(page).getByRole('button', { name: 'Send', exact: true });
const callStatus = (page: Page) => playground(page).locator('[data-pg-call-status]');

const call = (name: string, args: Record<string, unknown>, id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: { progressToken: `${name}-${id}` } } });

async function authorize(page: Page, path: string, userName: string): Promise<void> {
  await openPlayer(page, path);
  await runThroughSignIn(page, userName);
  await waitForPhase(page, 'success');
}

async function editorReady(page: Page): Promise<void> {
  await expect(playground(page)).toHaveAttribute('data-editor-ready', 'true', { timeout: 15_000 });
  await expect(playground(page).locator('[data-pg-status]')).toHaveText(/\d+ tools, from tools\/list just now\./, { timeout: 15_000 });
}

/** Replaces the editor's text from the keyboard, as a paste would. */
async function writeRequest(page: Page, request: object): Promise<void> {
  await editorBox(page).focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(JSON.stringify(request));
}

/** Writes the request, Tabs out of the editor to Send and presses Enter; waits for the answer. */
async function sendFromKeyboard(page: Page, request: object): Promise<void> {
  await writeRequest(page, request);
  await page.keyboard.press('Tab');
  await expect(sendButton(page)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(sendButton(page)).toBeEnabled({ timeout: 20_000 });
}

/** Every text the live regions held, in order (what a screen reader would be handed). */
async function recordLiveRegions(page: Page): Promise<(region: 'status' | 'problems') => Promise<string[]>> {
  await playground(page).evaluate((root) => {
    const said: Record<string, string[]> = { status: [], problems: [] };
    (window as unknown as { __said: typeof said }).__said = said;
    for (const [key, selector] of [['status', '[data-pg-call-status]'], ['problems', '[data-pg-problems-said]']] as const) {
      const region = root.querySelector(selector)!;
      new MutationObserver(() => {
        if (region.textContent) said[key].push(region.textContent);
      }).observe(region, { childList: true, characterData: true, subtree: true });
    }
  });
  return (region) => page.evaluate((key) => (window as unknown as { __said: Record<string, string[]> }).__said[key].splice(0), region);
}

test.describe('the tool playground from the keyboard', () => {
  test('Tab and Shift+Tab leave the editor, Ctrl+M makes Tab indent; the name says so, and the textbox holds the text', async ({ page }) => {
    await authorize(page, '/playground/', 'a11y-keys');
    await editorReady(page);
    const editor = editorBox(page);
    const switched = playground(page).locator('.pg-editor [aria-live]');

    // The accessible name says how to leave; the focused textbox holds the request for a screen
    // reader (Monaco's 'auto' would leave it empty in a browser).
    await expect(editor).toHaveAccessibleName('JSON-RPC request to send. Ctrl+Space completes. Tab moves focus out of the editor; Ctrl+M makes Tab indent instead.');
    await editor.focus();
    await expect(editor).toContainText('"whoami"');
    // The whole editor shows it has focus.
    await expect(playground(page).locator('.pg-editor')).toHaveCSS('outline-style', 'solid');

    // Tab leaves to the next control, Shift+Tab comes back, and goes on to the one before.
    await page.keyboard.press('Tab');
    await expect(sendButton(page)).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await expect(editor).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await expect(playground(page).getByRole('button', { name: 'List the tools again' })).toBeFocused();

    // Ctrl+M: Tab indents (focus stays), the name and a live region say so; Ctrl+M again undoes it.
    await editor.focus();
    await page.keyboard.press('Control+m');
    await expect(editor).toHaveAccessibleName(/Tab indents; Ctrl\+M makes Tab move focus out of the editor again\.$/);
    await expect(switched).toHaveText('Tab now indents. Press Ctrl+M to make it leave the editor again.');
    await page.keyboard.press('Tab');
    await expect(editor).toBeFocused();
    await page.keyboard.press('Control+m');
    await expect(switched).toHaveText('Tab now moves focus out of the editor.');
    await page.keyboard.press('Tab');
    await expect(sendButton(page)).toBeFocused();

    // The order through the playground: the toggle, the tool list (one stop, arrows within), re-list, editor, Send.
    await playground(page).getByRole('button', { name: 'Close the editor' }).focus();
    const order: string[] = [];
    for (let press = 0; press < 4; press++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => {
        const focused = document.activeElement as HTMLInputElement;
        return focused.getAttribute('aria-label') || (focused.tagName === 'INPUT' ? focused.value : focused.textContent) || '';
      }));
    }
    expect(order.map((name) => name.replace(/\..*$/, '').trim())).toEqual(['whoami', 'List the tools again', 'JSON-RPC request to send', 'Send']);
  });

  test('the editor in a lesson’s “After the flow” opens from the keyboard and lets Tab out', async ({ page }) => {
    await authorize(page, '/lessons/scopes-and-step-up/', 'a11y-lesson');
    const open = playground(page).getByRole('button', { name: 'Open the editor' });
    await open.focus();
    await page.keyboard.press('Enter');
    await expect(playground(page).getByRole('button', { name: 'Close the editor' })).toHaveAttribute('aria-expanded', 'true');
    await editorReady(page);
    await playground(page).getByRole('button', { name: 'List the tools again' }).focus();
    await page.keyboard.press('Tab');
    await expect(editorBox(page)).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(sendButton(page)).toBeFocused();
  });
});

test.describe('what a screen reader hears', () => {
  test('each answer once, in words; progress not tick by tick; focus kept; step-up hands focus to Send', async ({ page }) => {
    test.slow(); // a sign-in, seven calls and a step-up, each listened to
    await authorize(page, '/playground/', 'a11y-said');
    await editorReady(page);
    const said = await recordLiveRegions(page);

    // A result: start and end, the end in words with a short summary, and focus back on Send.
    await sendFromKeyboard(page, call('add', { a: 2, b: 40 }, 60));
    await expect(sendButton(page)).toBeFocused();
    await expect(callStatus(page)).toHaveText('Call 1, add: Result: sum 42. structuredContent matches its outputSchema.');
    expect(await said('status')).toEqual(['Sending add…', 'Call 1, add: Result: sum 42. structuredContent matches its outputSchema.']);

    // A problem in the editor is said once, in short, after typing settles; the list itself is not live.
    await expect(playground(page).locator('[data-pg-problems]')).not.toHaveAttribute('aria-live');
    await writeRequest(page, call('add', { a: 'two', b: 2 }, 61));
    await expect(playground(page).locator('[data-pg-problems-said]')).toHaveText('1 problem before sending. Line 1: Incorrect type. Expected "number".', { timeout: 10_000 });
    await page.waitForTimeout(1500);
    expect(await said('problems')).toEqual(['1 problem before sending. Line 1: Incorrect type. Expected "number".']);

    // A tool error and a JSON-RPC error, each with what went wrong.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect(sendButton(page)).toBeEnabled({ timeout: 20_000 });
    await expect(callStatus(page)).toHaveText(/^Call 2, add: Tool error: .+/);
    await sendFromKeyboard(page, call('no_such_tool', {}, 62));
    await expect(callStatus(page)).toHaveText(/^Call 3, no_such_tool: JSON-RPC error -32602: .+/);
    await said('status');

    // Progress streams into the answer, but the live region says only the start and the end.
    await sendFromKeyboard(page, call('countdown', { seconds: 3 }, 63));
    await expect(playground(page).locator('[data-pg-result] .pg-progress li')).toHaveCount(3);
    expect(await said('status')).toEqual(['Sending countdown…', 'Call 4, countdown: Result: seconds 3. structuredContent matches its outputSchema.']);

    // Cancel: Enter on Send moves focus to Cancel while the call runs; Enter there; focus returns to Send.
    await writeRequest(page, call('countdown', { seconds: 10 }, 64));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const cancel = playground(page).getByRole('button', { name: 'Cancel' });
    await expect(cancel).toBeFocused();
    await expect(playground(page).locator('[data-pg-result] .pg-progress li').first()).toBeVisible({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await expect(callStatus(page)).toHaveText('Call 5, countdown: Cancelled: the client stopped the call and its answer is ignored.');
    await expect(sendButton(page)).toBeFocused();

    // HTTP 403: the scopes it needs, and where to go next.
    await said('status');
    await sendFromKeyboard(page, call('save_note', { text: 'From the keyboard' }, 65));
    const forbidden = 'Call 6, save_note: HTTP 403, insufficient scope: the call needs mcp:read mcp:write. A Step up button follows the answer.';
    await expect(callStatus(page)).toHaveText(forbidden);
    expect(await said('status')).toEqual(['Sending save_note…', forbidden]);

    // A history entry has a spoken name; showing it again keeps focus on it.
    const first = playground(page).locator('[data-pg-history-list] button[data-pg-entry="1"]');
    await expect(first).toHaveAccessibleName(/^Call 1: add, Result, .+, \d+ ms$/);
    await first.focus();
    await page.keyboard.press('Enter');
    await expect(playground(page).locator('[data-pg-history-list] button[data-pg-entry="1"]')).toBeFocused();
    await expect(playground(page).locator('[data-pg-history-list] button[data-pg-entry="1"]')).toHaveAttribute('aria-current', 'true');

    // Step up from the 403 (shown again from the history): when it ends, focus goes to Send, the call to make next.
    const entry6 = playground(page).locator('[data-pg-history-list] button[data-pg-entry="6"]');
    await entry6.focus();
    await page.keyboard.press('Enter');
    const stepUp = playground(page).getByRole('button', { name: 'Step up: ask for mcp:read mcp:write' });
    await stepUp.focus();
    const popupOpened = page.waitForEvent('popup');
    await page.keyboard.press('Enter');
    await answerInSignInWindow(await popupOpened, { userName: 'a11y-said', decision: 'Allow', keyboard: true });
    await expect(playerOf(page).locator('[data-fp-live]')).toContainText('Stepping up to mcp:write: done', { timeout: 15_000 });
    await expect(sendButton(page)).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(callStatus(page)).toHaveText(/^Call 7, save_note: Result: .*structuredContent matches its outputSchema\.$/, { timeout: 20_000 });

    // HTTP 401 after the token is revoked.
    await playerOf(page).getByRole('button', { name: 'Revoke the token' }).click();
    await expect(playerOf(page).locator('[data-fp-live]')).toContainText('Revoking the grant: done', { timeout: 15_000 });
    await sendFromKeyboard(page, call('whoami', {}, 68));
    await expect(callStatus(page)).toHaveText('Call 8, whoami: HTTP 401: the token was refused, no tool ran. Refresh the token or run the flow again.');

    // The call as a snippet: the disclosure, the reveal checkbox, the tabs (arrow keys move and choose), Copy, which says it copied.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await playground(page).locator('[data-pg-copy] summary').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await expect(playground(page).getByRole('checkbox', { name: /^Show the real access token/ })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(playground(page).getByRole('tab', { name: 'curl' })).toBeFocused();
    await page.keyboard.press('ArrowRight');
    const typescript = playground(page).getByRole('tab', { name: 'TypeScript (MCP SDK)' });
    await expect(typescript).toBeFocused();
    await expect(typescript).toHaveAttribute('aria-selected', 'true');
    await expect(playground(page).getByRole('tabpanel', { name: 'TypeScript (MCP SDK)' })).toContainText('StreamableHTTPClientTransport');
    // Home and End go to the first and the last tab, as in any tab list.
    await page.keyboard.press('Home');
    await expect(playground(page).getByRole('tab', { name: 'curl' })).toBeFocused();
    await page.keyboard.press('End');
    await expect(typescript).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(playground(page).locator('[data-pg-snippet]')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(playground(page).getByRole('button', { name: 'Copy', exact: true })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(playground(page).locator('[data-pg-copy-said]')).toHaveText('Copied the TypeScript snippet.');

    // Every control in the playground has a name.
    for (const control of await playground(page).locator('button:visible, input:visible, [role="tab"]:visible, [role="textbox"]').all()) {
      await expect(control).toHaveAccessibleName(/\S/);
    }
  });
});

async function playgroundShot(page: Page, name: string): Promise<void> {
  await mkdir('test-results/screenshots', { recursive: true });
  const path = `test-results/screenshots/${name}.png`;
  // A full-page shot clipped to the playground, taken from the top: scrolled, the sticky header
  // and controls would be drawn over it.
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = (await playground(page).boundingBox())!;
  await page.screenshot({ path, fullPage: true, clip: { x: Math.max(0, box.x - 8), y: box.y - 8, width: box.width + 16, height: box.height + 16 } });
  await test.info().attach(name, { path, contentType: 'image/png' });
}

test.describe('the playground at phone and desktop width', () => {
  for (const [width, height] of [
    [390, 844],
    [1280, 800],
  ] as const) {
    for (const theme of ['light', 'dark'] as const) {
      test(`${width} px, ${theme}: nothing scrolls sideways; content and structuredContent ${width < 640 ? 'stack' : 'side by side'}`, async ({ page }) => {
        await page.setViewportSize({ width, height });
        await page.addInitScript((chosen) => localStorage.setItem('mcp-auth-lab:theme', chosen), theme);
        await authorize(page, '/playground/', `a11y-${width}-${theme}`);
        await editorReady(page);
        await sendFromKeyboard(page, call('save_note', { text: 'A note long enough to wrap on a phone, and then some more words' }, 70));
        await sendFromKeyboard(page, call('add', { a: 2, b: 40 }, 71));
        await playground(page).locator('[data-pg-copy] summary').click();
        await playground(page).locator('[data-pg-result] .pg-raw summary').click();
        await writeRequest(page, call('add', { a: 'two', b: 2 }, 72));
        await expect(playground(page).locator('[data-pg-problems]')).toContainText('Incorrect type', { timeout: 10_000 });

        const overflow = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth }));
        expect(overflow.page).toBeLessThanOrEqual(overflow.viewport);
        const content = (await playground(page).getByRole('region', { name: 'content', exact: true }).boundingBox())!;
        const structured = (await playground(page).getByRole('region', { name: 'structuredContent' }).boundingBox())!;
        if (width < 640) expect(structured.y).toBeGreaterThanOrEqual(content.y + content.height);
        else expect(structured.x).toBeGreaterThanOrEqual(content.x + content.width);
        // Every part of the playground fits inside the viewport.
        for (const part of ['.pg-editor', '.pg-tools', '[data-pg-result]', '.pg-snippet', '.pg-history', '.pg-actions']) {
          const box = (await playground(page).locator(part).boundingBox())!;
          expect(box.x, part).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width, part).toBeLessThanOrEqual(width);
        }
        await playgroundShot(page, `playground-a11y-${width}-${theme}`);
        // The editor keeps its focus mark in either theme.
        await editorBox(page).focus();
        await expect(playground(page).locator('.pg-editor')).toHaveCSS('outline-style', 'solid');
        await expect(control(page, 'Run again')).toBeVisible();
      });
    }
  }
});
