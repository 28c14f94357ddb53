import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { AUTH_OPTIONS, AUTH_OPTION_IDS, type AuthOptionEntry } from '../../server/catalogue.ts';
import { generateStarter, StarterError, zipRequestFor } from '../../starter/generate.ts';
import { starterZip } from '../../starter/zip.ts';

const root = join(import.meta.dirname, '../..');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const entries = AUTH_OPTIONS as Record<string, AuthOptionEntry>;

describe.each(AUTH_OPTION_IDS)('the starter for %s', (option) => {
  const entry = entries[option];
  const files = generateStarter({ option, simulated: true, name: 'my-mcp-server' });
  const paths = [...files.keys()];
  const text = (path: string) => files.get(path) ?? '';

  it('holds the option’s module and no other option’s', () => {
    expect(paths.some((path) => path.startsWith(`src/options/${option}/`))).toBe(true);
    for (const other of AUTH_OPTION_IDS.filter((id) => id !== option)) {
      expect(paths.filter((path) => path.startsWith(`src/options/${other}/`))).toEqual([]);
      expect(text('src/catalogue.ts')).not.toContain(`id: '${other}'`);
    }
    expect(text('src/options/index.ts').match(/^export /gm)).toHaveLength(1);
  });

  it('holds nothing of the lab or the site', () => {
    expect(paths.filter((path) => /(^|\/)(lab|site)\//.test(path))).toEqual([]);
    for (const [path, content] of files) expect([path, /\blabs?\b|mcp-auth-lab/i.test(content)]).toEqual([path, false]);
  });

  it('copies every other source file unchanged from server/', () => {
    const generated = new Set(['src/options/index.ts', 'src/simulated/index.ts', 'src/catalogue.ts', 'src/server-info.ts', 'src/index.ts']);
    for (const path of paths.filter((candidate) => candidate.startsWith('src/') && !generated.has(candidate))) {
      expect([path, text(path) === readFileSync(join(root, 'server', path.slice(4)), 'utf8')]).toEqual([path, true]);
    }
  });

  it('depends on exactly the versions the lab is tested with', () => {
    const pkg = JSON.parse(text('package.json'));
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect([name, version]).toEqual([name, rootPackage.dependencies[name] ?? rootPackage.devDependencies[name]]);
    }
    expect(pkg.scripts).toMatchObject({ dev: 'wrangler dev', test: 'vitest run', deploy: 'wrangler deploy' });
  });

  it('declares the Durable Object only for SSE, and the SELF binding only with a simulated provider', () => {
    const wrangler = text('wrangler.jsonc');
    expect(wrangler.includes('MCP_OBJECT')).toBe('sse' in entry.endpoints);
    expect(text('src/index.ts').includes('LegacySseSession')).toBe('sse' in entry.endpoints);
    expect(wrangler.includes('"binding": "SELF"')).toBe(entry.simulatedProvider !== undefined);
    expect(text('src/simulated/index.ts').match(/^export \{ simulated/gm)?.length ?? 0).toBe(entry.simulatedProvider ? 1 : 0);
  });

  it('carries the option’s flow test, and a README that starts with the two commands', () => {
    expect(paths).toContain(`src/options/${option}/${option}.flow.test.ts`);
    expect(text('README.md')).toContain('npm install && npm run dev');
    expect(text('README.md')).toContain('npm test');
  });
});

describe('without --simulated', () => {
  it.each(['github', 'oidc-proxy', 'oidc-external'] as const)('%s has no simulated provider and says which settings it needs', (option) => {
    const files = generateStarter({ option, simulated: false, name: 'my-mcp-server' });
    expect([...files.keys()].filter((path) => path.startsWith('src/simulated/') && path !== 'src/simulated/index.ts')).toEqual([]);
    expect(files.get('src/simulated/index.ts')).toContain('export {};');
    expect(files.get('.dev.vars.example')).toMatch(option === 'github' ? /GITHUB_CLIENT_ID/ : /OIDC_ISSUER/);
  });
});

describe('bad requests', () => {
  it('an unknown option names the ones there are', () => {
    expect(() => generateStarter({ option: 'nope' as never, simulated: false, name: 'x' })).toThrow(new StarterError('Unknown option "nope". Choose one of: worker, github, oidc-proxy, oidc-external.'));
  });
  it.each(['My Server', '-x', 'a'.repeat(64), 'x_y'])('the Worker name %j is refused', (name) => {
    expect(() => generateStarter({ option: 'worker', simulated: false, name })).toThrow(StarterError);
  });
});

describe('npm run starter and the zips write exactly what the generator makes', () => {
  const out = mkdtempSync(join(tmpdir(), 'starter-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const written = (dir: string): Map<string, string> => {
    const found = new Map<string, string>();
    for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      const path = join(dir, name);
      if (statSync(path).isFile()) found.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
    return found;
  };

  it('the command', () => {
    const target = join(out, 'github');
    execFileSync(process.execPath, [join(root, 'starter/cli.ts'), '--option', 'github', '--out', target, '--simulated'], { stdio: 'pipe' });
    expect(written(target)).toEqual(generateStarter({ option: 'github', simulated: true, name: 'my-mcp-server' }));
  });

  it('the command refuses a folder that is not empty, and an unknown option, with a clear message', () => {
    const run = (...args: string[]) => {
      try {
        execFileSync(process.execPath, [join(root, 'starter/cli.ts'), ...args], { stdio: 'pipe' });
        return 'ok';
      } catch (error) {
        return String((error as { stderr: Buffer }).stderr);
      }
    };
    expect(run('--option', 'github', '--out', join(out, 'github'))).toContain('is not empty');
    expect(run('--option', 'gitlab', '--out', join(out, 'new'))).toContain('Choose one of: worker, github, oidc-proxy, oidc-external');
    expect(run('--out', join(out, 'new'))).toContain('Both --option and --out are needed');
  });

  it.each(AUTH_OPTION_IDS)('the %s zip, byte for byte, under one folder, the same every time', (option) => {
    const request = zipRequestFor(option);
    const unzipped = unzipSync(starterZip(option));
    const files = new Map(Object.entries(unzipped).map(([path, bytes]) => [path, strFromU8(bytes)]));
    const expected = new Map([...generateStarter(request)].map(([path, content]) => [`${request.name}/${path}`, content]));
    expect(files).toEqual(expected);
    expect(starterZip(option)).toEqual(starterZip(option));
  });
});
