import { expect, test } from './support/fixtures';

/**
 * Between a phone and a desktop: no page scrolls sideways at any common width (the header's six
 * links need a row of their own below about 1080 px; the home page's narrow column wraps its links).
 */
const PAGES = ['/', '/lessons/', '/lessons/tools/', '/playground/', '/course-map/', '/metadata', '/lab'];
const WIDTHS = [390, 600, 768, 800, 900, 960, 1000, 1081, 1280];

test('no page scrolls sideways at any width from a phone to a desktop', async ({ page }) => {
  const overflowing: string[] = [];
  for (const path of PAGES) {
    await page.goto(path);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (over > 0) overflowing.push(`${path} at ${width}px: ${over}px too wide`);
    }
  }
  expect(overflowing).toEqual([]);
});
