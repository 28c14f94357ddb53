import { collectPageProblems, expect, keepScreenshot, tabTo, test } from './support/fixtures';

test.describe('home page', () => {
  test('renders with no console errors and no failed requests', async ({ page, origin }) => {
    const problems = collectPageProblems(page);
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Watch a real MCP authorization happen' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link')).toHaveText(['Lessons', 'Course map', 'Tool playground', 'Run the flow', 'Connect a client', 'Server metadata']);

    const lessons = page.getByRole('region', { name: 'Lessons' }).getByRole('listitem');
    await expect(lessons).toHaveCount(12);
    await expect(lessons.first().getByRole('link')).toHaveText(/Why an MCP server needs authorization/);
    await expect(lessons.filter({ hasText: 'Planned' })).toHaveCount(0);

    await page.waitForLoadState('networkidle');
    expect(problems).toEqual([]);
  });

  test('shows this deployment’s own endpoints and ready-to-paste client setup', async ({ page, origin }) => {
    await page.goto('/');
    const connect = page.getByRole('region', { name: 'Connect your own client' });
    const endpoints = connect.getByRole('complementary', { name: 'Endpoints' });
    await expect(endpoints.getByRole('definition').filter({ hasText: `${origin}/mcp` })).toHaveText(`${origin}/mcp`);
    await expect(endpoints.getByRole('definition').filter({ hasText: `${origin}/sse` })).toHaveText(`${origin}/sse`);
    await expect(endpoints.getByRole('term')).toHaveText(['Streamable HTTP', 'Legacy HTTP+SSE', 'Protected resource metadata', 'Authorization server metadata']);
    await expect(connect.getByText(`npx -y mcp-remote ${origin}/mcp`, { exact: true })).toBeVisible();
    await expect(connect.getByText('npx @modelcontextprotocol/inspector', { exact: true })).toBeVisible();

    const config = JSON.parse(await page.locator('#claude-desktop-config').innerText());
    expect(config).toEqual({ mcpServers: { 'mcp-auth-lab': { command: 'npx', args: ['-y', 'mcp-remote', `${origin}/mcp`] } } });

    // The endpoints shown are live: the MCP endpoint challenges, pointing at its metadata.
    const challenge = await fetch(`${origin}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toContain(`resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`);
  });

  test('the skip link is the first stop and moves focus to the content', async ({ page }) => {
    await page.goto('/');
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/#main$/);
    await page.keyboard.press('Tab');
    // The next stop is inside <main>, not back in the header.
    expect(await page.evaluate(() => document.activeElement?.closest('main') !== null)).toBe(true);
  });

  test('fits a 360 px screen without sideways scrolling', async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto('/');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await tabTo(page, page.getByRole('link', { name: 'Lessons', exact: true }));
    await expect(page.getByRole('link', { name: 'Lessons', exact: true })).toBeInViewport();
  });

  test('screenshots: light and dark, desktop and 390 px', async ({ browser, baseURL }) => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [name, viewport] of [
        ['desktop', { width: 1280, height: 800 }],
        ['mobile', { width: 390, height: 844 }],
      ] as const) {
        const context = await browser.newContext({ baseURL, colorScheme, viewport, deviceScaleFactor: name === 'mobile' ? 2 : 1 });
        const page = await context.newPage();
        await page.goto('/');
        await page.evaluate(() => document.fonts.ready);
        await keepScreenshot(page, `home-${colorScheme}-${name}`);
        await context.close();
      }
    }
  });
});
