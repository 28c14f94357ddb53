import { collectPageProblems, expect, keepScreenshot, tabTo, test } from './support/fixtures';

/**
 * The course map: every ready lesson in order with its outcomes, and every rule with the spec
 * revision it comes from; the revision filter works by keyboard and says what it shows.
 */
test('the course map lists the lessons in order and each rule’s revisions, and filters by revision', async ({ page }) => {
  const problems = collectPageProblems(page);
  await page.goto('/lessons/');
  await page.getByRole('link', { name: 'The course map' }).click();
  await expect(page).toHaveURL(/\/course-map\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('What you learn, and where each rule comes from');

  const path = page.getByRole('region', { name: 'The path' }).getByRole('heading', { level: 3 });
  await expect(path.first()).toHaveText(/Lesson 1: /);
  expect(await path.count()).toBeGreaterThanOrEqual(11);

  const rules = page.locator('.rule');
  const total = await rules.count();
  expect(total).toBeGreaterThan(1);
  // Every rule says in words what it is in each revision, and links a lesson and the spec.
  const first = rules.first();
  await expect(first.getByRole('list', { name: 'By revision' }).getByRole('listitem')).toHaveCount(4);
  await expect(first.getByRole('link', { name: /^Lesson \d+: / }).first()).toBeVisible();
  await expect(first.getByRole('link', { name: /§/ })).toHaveAttribute('href', /^https:\/\//);

  // The filter, by keyboard: only rules new or changed in 2026-07-28, and a status line says how many.
  const newest = page.getByRole('radio', { name: 'New or changed in 2026-07-28' });
  await tabTo(page, page.getByRole('radio', { name: 'Every rule' }), 60);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(newest).toBeChecked();
  const shown = rules.filter({ visible: true });
  const count = await shown.count();
  expect(count).toBeLessThan(total);
  await expect(page.getByRole('status')).toHaveText(`${count} rules new or changed in 2026-07-28.`);
  for (const rule of await shown.all()) await expect(rule.getByRole('list', { name: 'By revision' })).toContainText(/2026-07-28\s*(new|changed|removed)/);

  await page.getByRole('radio', { name: 'Every rule' }).check();
  await expect(rules.filter({ visible: true })).toHaveCount(total);
  await keepScreenshot(page, 'course-map-desktop');
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBe(0);
  await keepScreenshot(page, 'course-map-phone');
  expect(problems).toEqual([]);
});
