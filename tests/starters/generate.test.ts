import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { strToU8, unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { AUTH_OPTIONS, AUTH_OPTION_IDS, type AuthOptionEntry } from '../../server/catalogue.ts';
import { REGISTRATION_RATE_LIMIT } from '../../server/http/rate-limit.ts';
import { generateStarter, StarterError, zipRequestFor } from '../../starter/generate.ts';
import { starterZip } from '../../starter/zip.ts';

const root = join(import.meta.dirname, '../..');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const entries = AUTH_OPTIONS as Record<string, AuthOptionEntry>;
/** What a starter's package.json names: the server's runtime and what builds, tests and deploys it. */
const DEPENDENCIES = ['@cloudflare/workers-oauth-provider', '@modelcontextprotocol/sdk', '@modelcontextprotocol/server', 'agents', 'jose', 'zod'];
const DEV_DEPENDENCIES = ['@cloudflare/vitest-plugin', '@cloudflare/workers-types', '@types/node', 'typescript', 'vitest', 'wrangler'];
const rootWrangler = readFileSync(join(root, 'wrangler.jsonc'), 'utf8');
/** The lab's registration limiter, which starters copy: one line of JSON. */
const registrationLimiter = rootWrangler.split('\n').map((line) => line.trim().replace(/,$/, '')).find((line) => line.startsWith('{ "name": "REGISTRATION_LIMITER"'))!;
const lineOf = (text: string, key: string) => text.split('\n').find((line) => line.trimStart().startsWith(`"${key}"`))?.trim();

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
    expect(Object.keys(pkg.dependencies).sort()).toEqual(DEPENDENCIES);
    expect(Object.keys(pkg.devDependencies).sort()).toEqual(DEV_DEPENDENCIES);
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect([name, version]).toEqual([name, rootPackage.dependencies[name] ?? rootPackage.devDependencies[name]]);
    }
    expect(pkg.scripts).toMatchObject({ dev: 'wrangler dev', test: 'vitest run', deploy: 'wrangler deploy', typecheck: 'tsc --noEmit' });
    expect(pkg.engines).toEqual(rootPackage.engines);
    expect(pkg.allowScripts).toEqual(rootPackage.allowScripts);
  });

  it('runs on the lab’s runtime: the same compatibility date and flags', () => {
    for (const key of ['compatibility_date', 'compatibility_flags']) expect(lineOf(text('wrangler.jsonc'), key)).toBe(lineOf(rootWrangler, key));
    expect(lineOf(text('wrangler.jsonc'), 'name')).toBe('"name": "my-mcp-server",');
  });

  it('tells how to deploy: SERVER_SECRET, then the option’s provider settings', () => {
    expect(text('README.md')).toContain('npx wrangler secret put SERVER_SECRET');
    const providerSettings = { worker: [], github: ['GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET'], 'oidc-proxy': ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'], 'oidc-external': ['OIDC_ISSUER'] }[option];
    for (const name of providerSettings) {
      expect(text('README.md')).toContain(`npx wrangler secret put ${name}`);
      expect(text('.dev.vars.example')).toContain(`# ${name}=`);
    }
    // Only the settings this option reads.
    const settings = [...text('.dev.vars.example').matchAll(/^# ([A-Z_]+)=/gm)].map((match) => match[1]);
    expect(settings.filter((name) => name.startsWith('GITHUB_')).length > 0).toBe(option === 'github');
    expect(settings.filter((name) => name.startsWith('OIDC_')).length > 0).toBe(option.startsWith('oidc-'));
    expect(settings.slice(0, 3)).toEqual(['SERVER_SECRET', 'PUBLIC_ORIGIN', 'ALLOWED_ORIGINS']);
  });

  it('declares the Durable Object only for SSE, and the SELF binding only with a simulated provider', () => {
    const wrangler = text('wrangler.jsonc');
    expect(wrangler.includes('MCP_OBJECT')).toBe('sse' in entry.endpoints);
    expect(wrangler.includes('MCP_OBJECT')).toBe(option === 'worker');
    expect(text('src/index.ts').includes('LegacySseSession')).toBe('sse' in entry.endpoints);
    expect(wrangler.includes('"binding": "SELF"')).toBe(entry.simulatedProvider !== undefined);
    expect(text('src/simulated/index.ts').match(/^export \{ simulated/gm)?.length ?? 0).toBe(entry.simulatedProvider ? 1 : 0);
  });

  it('counts client registrations as the lab does (every option registers clients, here or at its simulated provider)', () => {
    expect(text('wrangler.jsonc')).toContain(`"ratelimits": [${registrationLimiter}],`);
  });

  it('carries the option’s flow test, and a README that starts with the two commands', () => {
    expect(paths).toContain(`src/options/${option}/${option}.flow.test.ts`);
    expect(text('README.md')).toContain('npm install && npm run dev');
    expect(text('README.md')).toContain('npm test');
  });
});

it('the registration limiter counts over the period the code sends as Retry-After', () => {
  expect(JSON.parse(registrationLimiter).simple.period).toBe(REGISTRATION_RATE_LIMIT.periodSeconds);
  const standalone = readFileSync(join(root, 'server/wrangler.standalone.jsonc'), 'utf8');
  expect(standalone).toContain(`"ratelimits": [${registrationLimiter}],`);
});

describe('without --simulated', () => {
  it.each(['github', 'oidc-proxy', 'oidc-external'] as const)('%s has no simulated provider and says which settings it needs', (option) => {
    const files = generateStarter({ option, simulated: false, name: 'my-mcp-server' });
    expect([...files.keys()].filter((path) => path.startsWith('src/simulated/') && path !== 'src/simulated/index.ts')).toEqual([]);
    expect(files.get('src/simulated/index.ts')).toContain('export {};');
    expect(files.get('.dev.vars.example')).toMatch(option === 'github' ? /GITHUB_CLIENT_ID/ : /OIDC_ISSUER/);
    expect(files.get('wrangler.jsonc')).not.toContain('SELF');
    // 3b's tokens then come from the real provider: nothing here registers clients.
    expect(files.get('wrangler.jsonc')!.includes(`"ratelimits": [${registrationLimiter}],`)).toBe(option !== 'oidc-external');
    expect(files.get('wrangler.jsonc')!.includes('ratelimits')).toBe(option !== 'oidc-external');
    expect(files.get('README.md')).not.toMatch(/simulated provider/i);
  });

  it('worker, with or without --simulated, is the same project', () => {
    expect(generateStarter({ option: 'worker', simulated: true, name: 'my-mcp-server' })).toEqual(generateStarter({ option: 'worker', simulated: false, name: 'my-mcp-server' }));
  });
});

describe('the generator refuses a server that would make a bad starter', () => {
  // A copy of what the generator reads (server/, package.json, wrangler.jsonc), changed in one place.
  const copies: string[] = [];
  afterAll(() => {
    for (const copy of copies) rmSync(copy, { recursive: true, force: true });
  });
  const changed = (change: (server: string) => void): string => {
    const copy = mkdtempSync(join(tmpdir(), 'starter-repo-'));
    copies.push(copy);
    cpSync(join(root, 'server'), join(copy, 'server'), { recursive: true });
    for (const file of ['package.json', 'wrangler.jsonc']) cpSync(join(root, file), join(copy, file));
    change(join(copy, 'server'));
    return copy;
  };
  const request = { option: 'github', simulated: true, name: 'my-mcp-server' } as const;
  const lines = (path: string) => readFileSync(path, 'utf8').split('\n').length;

  it('the unchanged copy makes the same starter', () => {
    expect(generateStarter(request, changed(() => {}))).toEqual(generateStarter(request));
  });

  it('the word "lab" in a copied file, named by file and line', () => {
    let line = 0;
    const copy = changed((server) => {
      line = lines(join(server, 'mcp/tools.ts'));
      appendFileSync(join(server, 'mcp/tools.ts'), '// Tried out in the Lab first.\n');
    });
    expect(() => generateStarter(request, copy)).toThrow(new RegExp(`^src/mcp/tools\\.ts:${line} says "lab"`));
  });

  it('but not label, available or collaborate', () => {
    const copy = changed((server) => appendFileSync(join(server, 'mcp/tools.ts'), '// A label, available to collaborators; syllabus, Labrador.\n'));
    expect(generateStarter(request, copy).get('src/mcp/tools.ts')).toContain('collaborators');
  });

  it('an import of the lab layer', () => {
    const copy = changed((server) => appendFileSync(join(server, 'mcp/tools.ts'), "import '../lab/index';\n"));
    expect(() => generateStarter(request, copy)).toThrow(/lab\/index\.ts is the .* tracing layer/);
  });

  it('an import from outside server/', () => {
    const copy = changed((server) => appendFileSync(join(server, 'mcp/tools.ts'), "export { x } from '../../site/lib/x.ts';\n"));
    expect(() => generateStarter(request, copy)).toThrow("mcp/tools.ts imports ../../site/lib/x.ts, outside server/");
  });

  it('an import of a file that is not there', () => {
    const copy = changed((server) => writeFileSync(join(server, 'options/github/index.ts'), `import './gone';\n${readFileSync(join(server, 'options/github/index.ts'), 'utf8')}`));
    expect(() => generateStarter(request, copy)).toThrow('options/github/index.ts imports ./gone, which is not a file in server/');
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
    const files = new Map(Object.entries(unzipSync(starterZip(option))));
    const expected = new Map([...generateStarter(request)].map(([path, content]) => [`${request.name}/${path}`, strToU8(content)]));
    expect(files).toEqual(expected);
    expect(starterZip(option)).toEqual(starterZip(option));
  });
});
