import { collectPageProblems, expect, keepScreenshot, tabTo, test } from './support/fixtures';

test.describe('lessons', () => {
  test('walks from the home page through every lesson with Next, and back with Previous', async ({ page }) => {
    const problems = collectPageProblems(page);
    await page.goto('/');
    await page.getByRole('link', { name: 'Start with lesson 1' }).click();
    await expect(page).toHaveURL(/\/lessons\/why-authorization\/$/);

    const sidebarLinks = page.getByRole('navigation', { name: 'Lessons' }).getByRole('link');
    const total = await sidebarLinks.count();
    expect(total).toBe(12);
    const titles = await sidebarLinks.allTextContents();

    for (let index = 0; index < total; index++) {
      const heading = page.getByRole('heading', { level: 1 });
      await expect(heading).toBeVisible();
      // The page is the one the outline marks as current, in outline order.
      await expect(page.getByRole('navigation', { name: 'Lessons' }).locator('[aria-current="page"]:visible')).toHaveText(titles[index]);
      await expect(page.getByText(`Lesson ${String(index + 1).padStart(2, '0')}`, { exact: true })).toBeVisible();
      const pager = page.getByRole('navigation', { name: 'Previous and next lesson' });
      if (index === total - 1) {
        await expect(pager.getByRole('link', { name: /Next/ })).toHaveCount(0);
        break;
      }
      await pager.getByRole('link', { name: /Next/ }).click();
    }

    await page.getByRole('navigation', { name: 'Previous and next lesson' }).getByRole('link', { name: /Previous/ }).click();
    await expect(page.getByRole('navigation', { name: 'Lessons' }).locator('[aria-current="page"]:visible')).toHaveText(titles[total - 2]);
    expect(problems).toEqual([]);
  });

  test('ready lessons cite the spec and carry the flow player, for their own auth option', async ({ page }) => {
    // Every lesson is ready now; the planned-lesson rule is covered by site/lib/lesson-outline.test.ts.
    await page.goto('/lessons/third-party-provider');
    await expect(page.getByRole('note').filter({ hasText: 'Planned lesson.' })).toHaveCount(0);
    await expect(page.locator('[data-flow-player] .fp-variant:not([hidden])')).toHaveAttribute('data-fp-variant', 'github');

    await page.goto('/lessons/discovery');
    const spec = page.getByRole('region', { name: 'Read the specification' });
    await expect(spec.getByRole('link', { name: /RFC 9728/ }).first()).toHaveAttribute('href', 'https://datatracker.ietf.org/doc/html/rfc9728');
    await expect(page.getByRole('region', { name: 'Watch it happen' }).getByRole('button', { name: 'Run', exact: true })).toBeVisible();
  });

  test('every lesson fits a phone: nothing scrolls the page sideways, and the player’s controls fit', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/lessons/');
    const hrefs = await page.locator('.lesson-list a').evaluateAll((links) => links.map((link) => link.getAttribute('href')!));
    expect(hrefs.length).toBe(12);
    for (const href of hrefs) {
      await page.goto(href);
      await page.evaluate(() => document.fonts.ready);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect([href, overflow]).toEqual([href, 0]);
      // Wide things scroll inside their own box, never past the screen's edge.
      const sticking = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('main button, main select, main input, .fp-diagram, pre, table')]
          .filter((element) => element.getClientRects().length > 0 && element.closest('[hidden], details:not([open])') === null)
          .filter((element) => element.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .map((element) => `${element.tagName.toLowerCase()}.${element.className}`),
      );
      expect([href, sticking]).toEqual([href, []]);
      await keepScreenshot(page, `phone${href.replace(/\//g, '-').replace(/-$/, '')}`);
    }
  });

  test('screenshots: a lesson on desktop and on a phone', async ({ page }) => {
    await page.goto('/lessons/authorization-code');
    await page.evaluate(() => document.fonts.ready);
    await keepScreenshot(page, 'lesson-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await keepScreenshot(page, 'lesson-mobile');
  });
});

test('on a phone the lesson outline is a folded disclosure that opens by keyboard', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/lessons/discovery/');
  const outline = page.getByRole('navigation', { name: 'Lessons' });
  await expect(outline.getByRole('link')).toHaveCount(0);
  const summary = outline.locator('summary');
  await expect(summary).toBeVisible();
  await expect(summary).toHaveText(/All lessons\s*3 of 12/);
  await tabTo(page, summary);
  await page.keyboard.press('Enter');
  await expect(outline.getByRole('link')).toHaveCount(12);
  await expect(outline.locator('[aria-current="page"]:visible')).toContainText('Discovery');
});

test('a lesson says what you will be able to do, and its questions answer by keyboard, with the reason', async ({ page }) => {
  const problems = collectPageProblems(page);
  await page.goto('/lessons/discovery/');
  await expect(page.getByRole('region', { name: 'After this lesson you can' }).getByRole('listitem')).toHaveCount(2);
  const questions = page.getByRole('region', { name: 'Check yourself' });
  const first = questions.getByRole('group').first();
  await expect(questions.getByRole('group')).toHaveCount(3);

  // Keyboard only: focus the first answer, then arrow to the next, as in any radio group.
  await first.getByRole('radio').first().focus();
  await page.keyboard.press('Space');
  await expect(first.getByText(/^Right\. The `?resource_metadata`? URL/)).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await expect(first.getByText(/^Not quite\. The client has no token yet/)).toBeVisible();
  await expect(first.locator('[aria-live="polite"]')).toHaveCount(1);
  await questions.scrollIntoViewIfNeeded();
  await keepScreenshot(page, 'lesson-questions');
  expect(problems).toEqual([]);
});
