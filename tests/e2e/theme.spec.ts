import { expect, tabTo, test } from './support/fixtures';

const pageBackground = (page: import('@playwright/test').Page) =>
  page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test.describe('theme toggle', () => {
  test.use({ colorScheme: 'light' });

  test('switches by keyboard and persists across pages and reloads', async ({ page }) => {
    await page.goto('/');
    const toggle = page.getByRole('button', { name: 'Dark theme' });
    await expect(toggle).toHaveAttribute('aria-pressed', 'false');
    const lightBackground = await pageBackground(page);

    await tabTo(page, toggle);
    await page.keyboard.press('Space');
    await expect(toggle).toHaveAttribute('aria-pressed', 'true');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    const darkBackground = await pageBackground(page);
    expect(darkBackground).not.toBe(lightBackground);

    await page.getByRole('link', { name: 'Lessons', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Dark theme' })).toHaveAttribute('aria-pressed', 'true');
    expect(await pageBackground(page)).toBe(darkBackground);

    await page.keyboard.press('Tab'); // any focus, then back to the toggle
    await tabTo(page, page.getByRole('button', { name: 'Dark theme' }));
    await page.keyboard.press('Enter');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    await page.reload();
    expect(await pageBackground(page)).toBe(lightBackground);
  });

  test('a saved theme is applied before any bundled script runs (no flash)', async ({ page }) => {
    await page.goto('/');
    await page.evaluate(() => localStorage.setItem('mcp-auth-lab:theme', 'dark'));
    // With every external script blocked, only the inline <head> script can set the theme.
    await page.route('**/*.js', (route) => route.abort());
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await pageBackground(page)).toBe('rgb(11, 13, 18)');
  });

  test('follows the system theme when nothing is saved', async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.locator('html')).not.toHaveAttribute('data-theme', /./);
    await expect(page.getByRole('button', { name: 'Dark theme' })).toHaveAttribute('aria-pressed', 'true');
    expect(await pageBackground(page)).toBe('rgb(11, 13, 18)');
    await context.close();
  });
});
