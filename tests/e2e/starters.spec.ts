import { strFromU8, unzipSync } from 'fflate';
import { collectPageProblems, expect, keepScreenshot, test } from './support/fixtures';

/**
 * "Download this server as a starter": each option's zip is offered on the home page and on the
 * option's lesson, and what the link brings is a real project for that option alone.
 */
const OPTIONS = [
  { id: 'worker', number: '1', name: 'The Worker is the authorization server', lesson: '/lessons/authorization-code/', endpoint: '/mcp' },
  { id: 'github', number: '2', name: 'GitHub behind the Worker', lesson: '/lessons/third-party-provider/', endpoint: '/github/mcp' },
  { id: 'oidc-proxy', number: '3a', name: 'Your OpenID provider behind the Worker (proxy)', lesson: '/lessons/bring-your-own-provider/', endpoint: '/oidc/mcp' },
  { id: 'oidc-external', number: '3b', name: 'Your provider as the authorization server', lesson: '/lessons/bring-your-own-provider/', endpoint: '/external/mcp' },
];
/**
 * The link's accessible name: what it does, then which option (server/catalogue.ts's title), after
 * a colon only screen readers get (Chromium puts a space before it: the colon is out of the flow).
 */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const linkName = (option: (typeof OPTIONS)[number]) => new RegExp(`^Download option ${option.number}’s server as a starter ?: ${escape(option.name)}$`);

test('the home page offers each option’s server as a starter, and each link brings that project', async ({ page, request }) => {
  const problems = collectPageProblems(page);
  await page.goto('/');
  for (const option of OPTIONS) {
    const link = page.getByRole('link', { name: linkName(option) });
    await expect(link).toBeVisible();
    const href = await link.getAttribute('href');
    expect(href).toBe(`/starters/mcp-server-${option.id}.zip`);
    expect(await link.getAttribute('download')).toBe(`mcp-server-${option.id}.zip`);

    const response = await request.get(href!);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toMatch(/^application\/(zip|x-zip-compressed)\b/);
    const body = new Uint8Array(await response.body());
    expect(strFromU8(body.subarray(0, 2))).toBe('PK');
    const files = unzipSync(body);
    const root = `mcp-server-${option.id}/`;
    expect(Object.keys(files)).toContain(`${root}src/options/${option.id}/index.ts`);
    const others = OPTIONS.filter((other) => other.id !== option.id).map((other) => `${root}src/options/${other.id}/`);
    expect(Object.keys(files).filter((path) => others.some((folder) => path.startsWith(folder)))).toEqual([]);
    expect(strFromU8(files[`${root}src/catalogue.ts`])).toContain(`'streamable-http': '${option.endpoint}'`);
    expect(strFromU8(files[`${root}README.md`])).toContain('npm install && npm run dev');
  }
  // The command is folded away on the cards, and opens by keyboard.
  const fold = page.getByText('Or generate it with a command').first();
  await fold.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByText('npm run starter -- --option worker --out my-mcp-server', { exact: true })).toBeVisible();
  await page.getByRole('link', { name: linkName(OPTIONS[1]) }).scrollIntoViewIfNeeded();
  await keepScreenshot(page, 'starters-home');
  expect(problems).toEqual([]);
});

test('each option lesson ends with “Fork this server”, keyboard-reachable', async ({ page }) => {
  for (const option of OPTIONS) {
    await page.goto(option.lesson);
    const section = page.getByRole('region', { name: 'Fork this server' });
    const link = section.getByRole('link', { name: linkName(option) });
    await expect(link).toBeVisible();
    await expect(section).toContainText(`npm run starter -- --option ${option.id} --out my-mcp-server${option.id === 'worker' ? '' : ' --simulated'}`);
    await link.focus();
    await expect(link).toBeFocused();
  }
});

test('the “Fork and deploy” lesson walks from download to deploy, with every option’s starter', async ({ page }) => {
  const problems = collectPageProblems(page);
  await page.goto('/lessons/fork-and-deploy/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Fork and deploy: your own MCP server from one option');
  for (const heading of ['Pick an option, get the project', 'Run it, and run its tests', 'Deploy it', 'Switch to the real provider', 'What to change first']) {
    await expect(page.getByRole('heading', { level: 2, name: heading })).toBeVisible();
  }
  await expect(page.getByRole('region', { name: 'Fork this server' }).getByRole('link', { name: /Download option .* as a starter/ })).toHaveCount(4);
  await keepScreenshot(page, 'fork-and-deploy');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('region', { name: 'Fork this server' }).scrollIntoViewIfNeeded();
  await keepScreenshot(page, 'fork-and-deploy-phone');
  expect(problems).toEqual([]);
});
