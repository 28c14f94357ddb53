import { expect, keepScreenshot, test } from './support/fixtures';
import { openPlayer, playerOf, runThroughSignIn, waitForPhase } from './support/player';

/**
 * The tools lesson: the server's real tool code quoted by region, the course map's tools rules,
 * and the player whose playground opens by itself once the run holds a token, so the lesson's
 * "try it" steps can be done beside it.
 */
test('the tools lesson quotes the real tool code and opens the playground by itself after the run', async ({ page }) => {
  await openPlayer(page, '/lessons/tools/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tools: schemas, results and errors');
  const prose = page.locator('.prose');
  // Excerpts of server/mcp/tools.ts, by named region, not copies.
  await expect(prose.locator('pre').filter({ hasText: 'export interface ToolDefinition' })).toHaveCount(1);
  await expect(prose.locator('pre').filter({ hasText: "name: 'add'" })).toHaveCount(1);
  await expect(prose.locator('pre').filter({ hasText: 'export const result =' })).toHaveCount(1);
  await expect(prose.locator('pre').filter({ hasText: "name: 'countdown'" })).toHaveCount(1);
  await expect(prose.getByRole('table')).toContainText('Tool execution');

  await runThroughSignIn(page, 'tools-lesson');
  await waitForPhase(page, 'success');
  const playground = playerOf(page).locator('[data-playground]');
  await expect(playground).toHaveAttribute('data-editor-ready', 'true', { timeout: 20_000 });
  await expect(playground.locator('[data-pg-status]')).toHaveText(/4 tools, from tools\/list just now\./, { timeout: 15_000 });

  // The lesson's first exercise: add with "a": "two" is a tool execution error, not a protocol one.
  await playground.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'add', arguments: { a: 'two', b: 2 } } }));
  await expect(playground.locator('[data-pg-problems]')).toContainText('Incorrect type. Expected "number"', { timeout: 10_000 });
  await playground.getByRole('button', { name: 'Send', exact: true }).click();
  const result = playground.locator('[data-pg-result]');
  await expect(result.locator('.pg-kind')).toContainText('Tool error (isError)', { timeout: 15_000 });
  await expect(result).toContainText('Input validation error');
  await keepScreenshot(page, 'tools-lesson');
});

test('the course map lists the tools rules, each taught by the tools lesson', async ({ page }) => {
  await page.goto('/course-map/');
  const tools = page.getByRole('region', { name: 'Tools', exact: true });
  await expect(tools.locator('.rule')).toHaveCount(4);
  await expect(tools.locator('.rule').filter({ hasText: 'serialized JSON in a text content block' })).toHaveCount(1);
  for (const link of await tools.getByRole('link', { name: /^Lesson \d+: / }).all()) {
    await expect(link).toHaveText('Lesson 09: Tools: schemas, results and errors');
    await expect(link).toHaveAttribute('href', '/lessons/tools/');
  }
});
