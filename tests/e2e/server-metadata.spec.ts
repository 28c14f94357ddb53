import { collectPageProblems, expect, test } from './support/fixtures';

test('the server metadata page shows this deployment’s real discovery documents', async ({ page, origin }) => {
  const problems = collectPageProblems(page);
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Server metadata' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'What a client discovers here' })).toBeVisible();

  const challenge = page.getByRole('region', { name: 'The 401 challenge from /mcp' });
  await expect(challenge).toContainText('HTTP/1.1 401 Unauthorized');
  await expect(challenge).toContainText(`resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`);

  // Each document on the page is the one the server serves at the URL shown.
  for (const [name, url] of [
    ['Protected resource metadata for /mcp (RFC 9728)', `${origin}/.well-known/oauth-protected-resource/mcp`],
    ['Authorization server metadata (RFC 8414)', `${origin}/.well-known/oauth-authorization-server`],
    ['Protected resource metadata for /sse (RFC 9728)', `${origin}/.well-known/oauth-protected-resource/sse`],
  ]) {
    const section = page.getByRole('region', { name });
    await expect(section.getByRole('link', { name: url })).toHaveAttribute('href', url);
    const shown = JSON.parse(await section.locator('pre code').innerText());
    expect(shown).toEqual(await (await fetch(url)).json());
  }
  expect(problems).toEqual([]);
});
