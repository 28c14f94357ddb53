import type { Locator, Page } from '@playwright/test';
import { chooseOption, ENDPOINT, runThroughProvider, type ProviderOption } from './player-options-support';
import { collectPageProblems, expect, keepScreenshot, test } from './support/fixtures';
import { answerInSignInWindow, openPlayer, playerOf, runThroughSignIn, step, waitForPhase } from './support/player';

/**
 * The tool playground: an editor that knows the endpoint's tools from its live tools/list. These
 * tests type into Monaco as a learner does and read what the page shows: completion, hover and
 * inline errors before sending, then each kind of answer kept apart, progress as it streams,
 * cancellation, the step-up on the diagram, the call as curl and TypeScript, and the history.
 */
const playground = (page: Page) => playerOf(page).locator('[data-playground]');
const editor = (page: Page) => playground(page).locator('.monaco-editor');

async function openEditor(page: Page): Promise<void> {
  const open = playground(page).getByRole('button', { name: 'Open the editor' });
  if (await open.isVisible()) await open.click();
  await expect(playground(page)).toHaveAttribute('data-editor-ready', 'true');
  await expect(playground(page).locator('[data-pg-status]')).toHaveText(/\d+ tools, from tools\/list just now\./, { timeout: 15_000 });
}

/** Replaces the editor's text, as a paste would (typing would let Monaco auto-close brackets). */
async function writeRequest(page: Page, request: object | string): Promise<void> {
  await editor(page).locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  // One line: a newline would let Monaco indent what follows, a paste does not.
  await page.keyboard.insertText(typeof request === 'string' ? request : JSON.stringify(request));
}

const call = (name: string, args: Record<string, unknown>, id = 50) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: { progressToken: `${name}-${id}` } } });

async function send(page: Page): Promise<Locator> {
  await playground(page).getByRole('button', { name: 'Send', exact: true }).click();
  const result = playground(page).locator('[data-pg-result]');
  await expect(playground(page).getByRole('button', { name: 'Send', exact: true })).toBeEnabled({ timeout: 20_000 });
  return result;
}

test.describe('the tool playground in a lesson’s player', () => {
  test('the editor completes, explains and checks from tools/list before anything is sent', async ({ page }) => {
    await openPlayer(page, '/lessons/scopes-and-step-up/');
    await runThroughSignIn(page, 'playground-editor');
    await waitForPhase(page, 'success');
    await openEditor(page);

    // The list shows each tool with the scopes it needs; the read-only token lacks mcp:write.
    const tools = playground(page).locator('[data-pg-tool-list]');
    await expect(tools.getByRole('radio')).toHaveCount(4);
    const saveNote = tools.locator('li').filter({ hasText: 'save_note' });
    await expect(saveNote).toContainText('Needs mcp:read mcp:write');
    await expect(saveNote).toContainText('Your token lacks mcp:write');
    // whoami is chosen first, with an example derived from its (empty) input schema.
    await expect(tools.getByRole('radio', { name: /whoami/ })).toBeChecked();
    await expect(editor(page)).toContainText('"whoami"');

    // Choosing a tool writes its example from the schema: countdown's default is 3.
    await tools.getByRole('radio', { name: /countdown/ }).check();
    await expect(editor(page)).toContainText('"seconds": 3');

    // A mistyped argument is marked before sending, in the editor and in words.
    await writeRequest(page, call('add', { a: 'two', b: 2 }));
    const problems = playground(page).locator('[data-pg-problems]');
    await expect(problems).toContainText('Incorrect type. Expected "number"', { timeout: 10_000 });
    // An unknown tool name too, with the names it could be.
    await writeRequest(page, call('ad', {}));
    await expect(problems).toContainText(/Value is not accepted\. Valid values: "add", "whoami"/);

    // Completion of argument names, from the tool's own input schema.
    await writeRequest(page, '{"jsonrpc":"2.0","id":51,"method":"tools/call","params":{"name":"add","arguments":{}}}');
    await page.keyboard.press('End');
    for (let press = 0; press < 3; press++) await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Control+Space');
    const suggestions = editor(page).locator('.suggest-widget');
    await expect(suggestions).toBeVisible();
    await expect(suggestions).toContainText('a');
    await expect(suggestions).toContainText('b');
    await page.keyboard.press('Escape');

    // Completion of tool names, each with its description.
    await writeRequest(page, '{"jsonrpc":"2.0","id":52,"method":"tools/call","params":{"name":""}}');
    await page.keyboard.press('End');
    for (let press = 0; press < 3; press++) await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Control+Space');
    await expect(suggestions).toContainText('save_note');
    await expect(suggestions).toContainText('countdown');
    await page.keyboard.press('Escape');

    // Hover over a tool name shows what the server says of it.
    await writeRequest(page, call('save_note', { text: 'hello' }));
    await editor(page).locator('.view-lines').getByText('"save_note"').hover();
    await expect(page.locator('.monaco-hover').filter({ hasText: 'Save a note' })).toBeVisible({ timeout: 10_000 });
    await keepScreenshot(page, 'playground-editor');
  });

  test('each kind of answer, progress as it streams, cancel, and the step-up on the diagram', async ({ page }) => {
    // The longest journey: a sign-in, seven calls (one waits for a 3-second countdown), a step-up.
    test.slow();
    const problems = collectPageProblems(page);
    await openPlayer(page);
    await runThroughSignIn(page, 'playground-answers');
    await waitForPhase(page, 'success');
    await openEditor(page);
    const result = playground(page).locator('[data-pg-result]');

    // A result: content and structuredContent side by side, structuredContent checked against outputSchema.
    await writeRequest(page, call('add', { a: 2, b: 40 }, 60));
    await send(page);
    await expect(result.locator('.pg-kind')).toContainText('Result');
    await expect(result.getByRole('region', { name: 'content', exact: true })).toContainText('42');
    await expect(result.getByRole('region', { name: 'structuredContent' })).toContainText('"sum": 42');
    await expect(result).toContainText('Matches the tool’s outputSchema');

    // The same tool with a mistyped argument: the tool's own error, not a protocol error.
    await writeRequest(page, call('add', { a: 'two', b: 2 }, 61));
    await send(page);
    await expect(result.locator('.pg-kind')).toContainText('Tool error (isError)');

    // An unknown tool: a JSON-RPC error.
    await writeRequest(page, call('no_such_tool', {}, 62));
    await send(page);
    await expect(result.locator('.pg-kind')).toContainText('JSON-RPC error');

    // Progress shows while the call runs, before its result.
    await writeRequest(page, call('countdown', { seconds: 3 }, 63));
    await playground(page).getByRole('button', { name: 'Send', exact: true }).click();
    await expect(result.locator('.pg-progress li').first()).toHaveText('0 of 3: 3 seconds to go', { timeout: 10_000 });
    await expect(result.locator('.pg-kind')).toHaveCount(0);
    await expect(result.locator('.pg-kind')).toContainText('Result', { timeout: 15_000 });
    await expect(result).toContainText('2 of 3: 1 seconds to go');

    // Cancel: notifications/cancelled is sent, and the answer is not waited for.
    await writeRequest(page, call('countdown', { seconds: 10 }, 64));
    const cancelSent = page.waitForRequest((request) => request.method() === 'POST' && (request.postData() ?? '').includes('notifications/cancelled'));
    await playground(page).getByRole('button', { name: 'Send', exact: true }).click();
    await expect(result.locator('.pg-progress li').first()).toBeVisible({ timeout: 10_000 });
    await playground(page).getByRole('button', { name: 'Cancel' }).click();
    expect(JSON.parse((await cancelSent).postData()!).params).toMatchObject({ requestId: 64 });
    await expect(result.locator('.pg-kind')).toContainText('Cancelled');

    // save_note needs mcp:write: a 403 with its challenge, and the step-up runs on the diagram.
    await writeRequest(page, call('save_note', { text: 'From the playground' }, 65));
    await send(page);
    await expect(result.locator('.pg-kind')).toContainText('HTTP 403 insufficient_scope');
    const popupOpened = page.waitForEvent('popup');
    await result.getByRole('button', { name: 'Step up: ask for mcp:read mcp:write' }).click();
    await answerInSignInWindow(await popupOpened, { userName: 'playground-answers', decision: 'Allow' });
    await expect(playerOf(page).getByRole('button', { name: 'Step-up', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(step(page, 'call-allowed')).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
    // The playground now uses the new token: the same call succeeds.
    await send(page);
    await expect(result.locator('.pg-kind')).toContainText('Result');
    await expect(result.getByRole('region', { name: 'structuredContent' })).toContainText('From the playground');

    // Every call is in the history, newest first, and each can be shown again.
    const history = playground(page).locator('[data-pg-history-list] li');
    await expect(history).toHaveCount(7);
    await expect(history.first()).toContainText('save_note');
    await history.last().getByRole('button').click();
    await expect(result.locator('.pg-kind')).toContainText('Result');
    await expect(editor(page)).toContainText('"add"');

    // The call as curl and as TypeScript: the token masked until revealed.
    const copy = playground(page).locator('[data-pg-copy]');
    await copy.locator('summary').click();
    const snippet = copy.locator('[data-pg-snippet]');
    await expect(snippet).toContainText('curl');
    await expect(snippet).not.toContainText(/Bearer [A-Za-z0-9_-]{20,}/);
    await copy.getByLabel(/Show the real access token/).check();
    await expect(snippet).toContainText(/Bearer [A-Za-z0-9_:-]{20,}/);
    await copy.getByRole('tab', { name: 'TypeScript (MCP SDK)' }).click();
    await expect(snippet).toContainText('StreamableHTTPClientTransport');
    await keepScreenshot(page, 'playground-answers');
    // The 401 of the run's first request and the 403s asked for above are the only refusals.
    expect(problems.filter((problem) => !/HTTP (401|403)|status of (401|403)/.test(problem))).toEqual([]);
  });
});

test.describe('the playground page', () => {
  test('is in the header; it opens its editor once the run has a token, over legacy SSE too', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('banner').getByRole('link', { name: 'Tool playground' }).click();
    await expect(page).toHaveURL(/\/playground\/$/);
    await openPlayer(page, '/playground/');
    await playerOf(page).getByRole('radio', { name: 'Legacy HTTP+SSE' }).check();
    await runThroughSignIn(page, 'playground-sse');
    await waitForPhase(page, 'success');
    await expect(playground(page)).toHaveAttribute('data-editor-ready', 'true', { timeout: 15_000 });
    await expect(playground(page).locator('[data-pg-endpoint]')).toHaveText('/sse');
    await openEditor(page);
    await writeRequest(page, call('countdown', { seconds: 2 }, 70));
    const result = await send(page);
    await expect(result.locator('.pg-kind')).toContainText('Result');
    await expect(result).toContainText('0 of 2: 2 seconds to go');
    await expect(result.getByRole('region', { name: 'structuredContent' })).toContainText('"seconds": 2');
  });

  for (const option of ['github', 'oidc-proxy', 'oidc-external'] as ProviderOption[]) {
    test(`option ${option}: its own tool is in the list, and answers at its endpoint`, async ({ page }) => {
      await openPlayer(page, '/playground/');
      await chooseOption(page, option);
      await runThroughProvider(page, option);
      await waitForPhase(page, 'success');
      await openEditor(page);
      await expect(playground(page).locator('[data-pg-endpoint]')).toHaveText(ENDPOINT[option]);
      const ownTool = { github: 'github_profile', 'oidc-proxy': 'oidc_userinfo', 'oidc-external': 'token_claims' }[option];
      await playground(page).locator('[data-pg-tool-list]').getByRole('radio', { name: new RegExp(ownTool) }).check();
      await expect(editor(page)).toContainText(`"${ownTool}"`);
      const result = await send(page);
      await expect(result.locator('.pg-kind')).toContainText('Result');
      await expect(result.getByRole('region', { name: 'structuredContent' })).toContainText('"');
      // The shared tools declare an outputSchema everywhere, and their answers match it.
      await playground(page).locator('[data-pg-tool-list]').getByRole('radio', { name: /^add\b/ }).check();
      await send(page);
      await expect(result).toContainText('Matches the tool’s outputSchema');
    });
  }
});
