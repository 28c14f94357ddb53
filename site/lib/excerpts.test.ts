import { describe, expect, it } from 'vitest';
import { ExcerptError, excerptRefOf, extractRegion } from './excerpts';

const SOURCE = `import x from 'y';

export const a = {
  // #region shown
  id: 'github',
  // #region inner
  nested: true,
  // #endregion inner
  done: 1,
  // #endregion shown
};
`;
const ref = (region: string) => ({ path: 'server/x.ts', region });

describe('extractRegion', () => {
  it('returns the lines between the markers, dedented, without nested markers', () => {
    expect(extractRegion(SOURCE, ref('shown'))).toBe("id: 'github',\nnested: true,\ndone: 1,");
    expect(extractRegion(SOURCE, ref('inner'))).toBe('nested: true,');
  });

  it.each([
    ['a region that is not there', SOURCE, 'missing', /has no region "missing": add "\/\/ #region missing"/],
    ['a region never closed', '// #region open\nconst a = 1;\n', 'open', /never closed/],
    ['a region marked twice', '// #region twice\na\n// #endregion twice\n// #region twice\nb\n// #endregion twice\n', 'twice', /marked twice/],
    ['an empty region', '// #region empty\n\n// #endregion empty\n', 'empty', /is empty/],
  ])('refuses %s, saying what to fix', (_label, source, region, message) => {
    expect(() => extractRegion(source, ref(region))).toThrow(message);
  });

  it('does not take a region whose name merely starts the same', () => {
    expect(() => extractRegion('// #region shown-more\na\n// #endregion shown-more\n', ref('shown'))).toThrow(ExcerptError);
  });
});

describe('excerptRefOf', () => {
  it('reads the file and region from a code block’s meta', () => {
    expect(excerptRefOf('excerpt=server/options/github/index.ts#github-option')).toEqual({ path: 'server/options/github/index.ts', region: 'github-option' });
    expect(excerptRefOf('title="x" excerpt=server/a.ts#b')).toEqual({ path: 'server/a.ts', region: 'b' });
    expect(excerptRefOf(null)).toBeNull();
    expect(excerptRefOf('title="x"')).toBeNull();
  });

  it.each(['excerpt=server/a.ts', 'excerpt=site/a.ts#b', 'excerpt=server/../secret.ts#b', 'excerpt=server/a.json#b'])('refuses %s', (meta) => {
    expect(() => excerptRefOf(meta)).toThrow(ExcerptError);
  });
});

describe('in a lesson: the Markdown plugin', () => {
  it('fills the block with the region and says where it comes from', async () => {
    const { markdownToHtml } = await import('satteri');
    const { serverExcerpts } = await import('./markdown-excerpts');
    const { html } = markdownToHtml('```ts excerpt=server/mcp/endpoints.ts#scope-check\n```\n', { mdastPlugins: [serverExcerpts] });
    expect(html).toContain('From <code>server/mcp/endpoints.ts</code>');
    expect(html).toContain('insufficientScope(');
  });

  it('stops the build on a region that is not there, naming the fix', async () => {
    const { markdownToHtml } = await import('satteri');
    const { serverExcerpts } = await import('./markdown-excerpts');
    expect(() => markdownToHtml('```ts excerpt=server/mcp/endpoints.ts#no-such-region\n```\n', { mdastPlugins: [serverExcerpts] })).toThrow(/has no region "no-such-region"/);
  });
});
