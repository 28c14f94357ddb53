import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUTH_OPTIONS, AUTH_OPTION_IDS, type AuthOptionEntry, type AuthOptionId } from '../server/catalogue.ts';
import { type RootWrangler, dotDevVarsExample, packageJson, readme, tsconfig, vitestConfig, wranglerConfig } from './template/files.ts';

/**
 * The starter for one auth option: a standalone Cloudflare Worker project made of the server's own
 * files. Four files are generated — the two lists (src/options/index.ts, src/simulated/index.ts),
 * the catalogue with that option alone, and server-info.ts with the starter's name — and every
 * other source file is copied byte for byte from server/, found by following the relative imports
 * from server/index.ts. So a starter cannot drift from the server it was made from, and it holds
 * nothing of the lab (server/lab/ is never reached from the server's entry) or of other options.
 *
 * Pure apart from reading the repository: it returns the files, and writes nothing.
 */
export interface StarterRequest {
  option: AuthOptionId;
  /** Keep the option's simulated provider, so it runs with no account (options 2, 3a, 3b). */
  simulated: boolean;
  /** The Worker's name: lowercase letters, digits and dashes. */
  name: string;
}

export type StarterFiles = Map<string, string>;

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SRC = 'src';

/** The export of server/simulated/index.ts that serves each simulated provider. */
const SIMULATED_EXPORTS: Record<NonNullable<AuthOptionEntry['simulatedProvider']>, string> = { github: 'simulatedGithub', oidc: 'simulatedOidc' };

export class StarterError extends Error {}

export const isWorkerName = (name: string) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(name);

/**
 * `repository` is the folder holding server/, package.json and wrangler.jsonc: this repository,
 * unless a test hands it a changed copy to see the generator refuse it.
 */
export function generateStarter(request: StarterRequest, repository: string = REPO): StarterFiles {
  const server = new ServerFiles(join(repository, 'server'));
  const entry: AuthOptionEntry | undefined = (AUTH_OPTIONS as Record<string, AuthOptionEntry>)[request.option];
  if (!entry) throw new StarterError(`Unknown option "${request.option}". Choose one of: ${AUTH_OPTION_IDS.join(', ')}.`);
  if (!isWorkerName(request.name)) throw new StarterError(`"${request.name}" is not a Worker name: use lowercase letters, digits and dashes (at most 63).`);
  const simulated = request.simulated && entry.simulatedProvider ? entry.simulatedProvider : null;

  const servesSse = 'sse' in entry.endpoints;
  const generated = new Map<string, string>([
    ...(servesSse ? [] : ([['index.ts', withoutSseSessions(server.read('index.ts'))]] as const)),
    ['options/index.ts', optionsList(server, entry)],
    ['simulated/index.ts', simulatedList(server, simulated)],
    ['catalogue.ts', catalogueWith(server, entry)],
    ['server-info.ts', serverInfo(server, request.name)],
  ]);
  const sources = closure(server, ['index.ts'], generated);
  const tests = testsFor(server, sources, entry, generated);
  const files: StarterFiles = new Map();
  for (const path of [...sources, ...tests].sort()) files.set(`${SRC}/${path}`, generated.get(path) ?? server.read(path));

  const project = { ...request, entry, simulated, servesSse };
  files.set('package.json', packageJson(project, rootPackage(repository)));
  files.set('wrangler.jsonc', wranglerConfig(project, rootWrangler(repository)));
  files.set('tsconfig.json', tsconfig());
  files.set('vitest.config.ts', vitestConfig());
  files.set('README.md', readme(project));
  files.set('.dev.vars.example', dotDevVarsExample(project));
  files.set('.gitignore', 'node_modules/\n.wrangler/\n.dev.vars\ndist/\n');
  for (const [path, text] of files) checkNoLabWords(path, text);
  return files;
}

/** The server's files, by path inside server/. */
class ServerFiles {
  readonly folder: string;
  constructor(folder: string) {
    this.folder = folder;
  }
  read(path: string): string {
    return readFileSync(join(this.folder, path), 'utf8');
  }
  exists(path: string): boolean {
    return existsSync(join(this.folder, path));
  }
  /** The paths of the *.test.ts files under a folder. */
  testsUnder(folder: string): string[] {
    return readdirSync(join(this.folder, folder), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.test.ts'))
      .map((name) => `${folder}/${name}`);
  }
}

/** server/options/index.ts with only the option's line. */
function optionsList(server: ServerFiles, entry: AuthOptionEntry): string {
  return keepLines(server.read('options/index.ts'), (line) => line.includes(`'./${entry.id}/`), `the ${entry.id} option`);
}

/** server/simulated/index.ts with only the option's simulated provider, or none. */
function simulatedList(server: ServerFiles, provider: keyof typeof SIMULATED_EXPORTS | null): string {
  return keepLines(server.read('simulated/index.ts'), (line) => provider !== null && new RegExp(`\\b${SIMULATED_EXPORTS[provider]}\\b`).test(line), 'the simulated provider');
}

/** Keeps the file's comments and the `export … from` lines that `keep` accepts; there must be one, unless none is wanted. */
function keepLines(text: string, keep: (line: string) => boolean, what: string): string {
  const exports = text.split('\n').filter((line) => line.startsWith('export '));
  const kept = exports.filter(keep);
  if (exports.some(keep) === false && what !== 'the simulated provider') throw new StarterError(`server list has no line for ${what}`);
  const body = text.split('\n').filter((line) => !line.startsWith('export ')).join('\n').trimEnd();
  // A list with no line still has to be a module.
  return `${body}\n${kept.length > 0 ? kept.join('\n') : 'export {};'}\n`;
}

/**
 * server/index.ts without the legacy SSE sessions' Durable Object, for an option served over
 * Streamable HTTP only (its wrangler.jsonc then declares no Durable Object either).
 */
function withoutSseSessions(text: string): string {
  const kept = text.split('\n').filter((line) => !/LegacySseSession|legacy HTTP\+SSE session|generated without this line/.test(line));
  if (kept.length !== text.split('\n').length - 3) throw new StarterError('server/index.ts: the SSE Durable Object export is not where the generator expects it');
  return kept.join('\n');
}

/** server/catalogue.ts with the option's entry alone in AUTH_OPTIONS. */
function catalogueWith(server: ServerFiles, entry: AuthOptionEntry): string {
  const text = server.read('catalogue.ts');
  const start = text.indexOf('export const AUTH_OPTIONS = {');
  const endMarker = '} as const satisfies Record<string, AuthOptionEntry>;';
  const end = text.indexOf(endMarker, start);
  if (start < 0 || end < 0) throw new StarterError('server/catalogue.ts: AUTH_OPTIONS is not where the generator expects it');
  // JSON, written the way the rest of the code is: bare keys where they can be, single quotes.
  const one = JSON.stringify({ [entry.id]: entry }, null, 2)
    .replace(/"([A-Za-z_]\w*)":/g, '$1:')
    .replace(/"((?:[^"'\\]|\\.)*)"/g, "'$1'");
  return `${text.slice(0, start)}export const AUTH_OPTIONS = ${one.slice(0, -1)}${text.slice(end)}`;
}

function serverInfo(server: ServerFiles, name: string): string {
  const title = name
    .split('-')
    .filter(Boolean)
    .map((word) => (word === 'mcp' ? 'MCP' : word[0].toUpperCase() + word.slice(1)))
    .join(' ');
  const original = server.read('server-info.ts');
  const line = original.split('\n').find((candidate) => candidate.startsWith('export const SERVER_INFO'));
  if (!line) throw new StarterError('server/server-info.ts: no SERVER_INFO line');
  return original.replace(line, `export const SERVER_INFO = { name: ${JSON.stringify(name)}, title: ${JSON.stringify(title)}, version: '0.1.0' };`);
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative imports of a file, as paths inside server/. */
function relativeImports(server: ServerFiles, path: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (!specifier.startsWith('.')) continue;
    found.push(resolve(server, path, specifier));
  }
  return found;
}

function resolve(server: ServerFiles, from: string, specifier: string): string {
  const base = normalize(join(dirname(from), specifier));
  if (base === '..' || base.startsWith('../')) throw new StarterError(`${from} imports ${specifier}, outside server/: a starter holds the server alone`);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && server.exists(candidate)) return candidate;
  }
  throw new StarterError(`${from} imports ${specifier}, which is not a file in server/`);
}

/** Every file reached from `roots` by relative imports (the generated files stand in for theirs). */
function closure(server: ServerFiles, roots: string[], generated: Map<string, string>, known = new Set<string>()): Set<string> {
  const pending = [...roots];
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (known.has(path)) continue;
    if (path === 'lab' || path.startsWith('lab/')) throw new StarterError(`${path} is the lab's tracing layer and must never reach a starter`);
    known.add(path);
    pending.push(...relativeImports(server, path, generated.get(path) ?? server.read(path)));
  }
  return known;
}

/**
 * The tests that come with those files: each `x.test.ts` beside a copied `x.ts`, and every test
 * in the option's own folder, with the test helpers they import. A test written for several
 * options at once (it names another option), or one that needs code the starter left out, stays
 * with the course's server.
 */
function testsFor(server: ServerFiles, sources: Set<string>, entry: AuthOptionEntry, generated: Map<string, string>): Set<string> {
  const beside = [...sources].map((path) => path.replace(/\.ts$/, '.test.ts')).filter((path) => server.exists(path));
  const own = server.testsUnder(`options/${entry.id}`);
  const candidates = [...new Set([...beside, ...own])];
  const kept = new Set<string>();
  for (const test of candidates) {
    if (namesAnotherOption(server.read(test), entry.id)) continue;
    // A test may bring test helpers (testing/), not code the starter left out (a simulated provider).
    const reaches = [...closure(server, [test], generated)].filter((path) => !sources.has(path) && path !== test);
    if (reaches.every((path) => path.startsWith('testing/') || path.endsWith('.test.ts'))) for (const path of [test, ...reaches]) kept.add(path);
  }
  return kept;
}

function namesAnotherOption(text: string, kept: string): boolean {
  if (/Object\.(values|keys|entries)\(AUTH_OPTIONS\)|AUTH_OPTION_IDS/.test(text)) return true;
  const used = [...text.matchAll(/AUTH_OPTIONS(?:\.([\w]+)|\[['"]([\w-]+)['"]\])/g)].map((match) => match[1] ?? match[2]);
  return used.some((id) => id !== kept);
}

/** "lab" as a word: the starter is a server of its own, not part of the lab. */
const LAB_WORD = /\blabs?\b|mcp-auth-lab|MCP Auth Lab/i;

function checkNoLabWords(path: string, text: string): void {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => LAB_WORD.test(line));
  if (at >= 0) throw new StarterError(`${path}:${at + 1} says "lab": ${lines[at].trim().slice(0, 120)}`);
}

function rootPackage(repository: string): { dependencies: Record<string, string>; devDependencies: Record<string, string>; allowScripts?: Record<string, boolean> } {
  return JSON.parse(readFileSync(join(repository, 'package.json'), 'utf8'));
}

/**
 * The compatibility date and flags of the repository's own wrangler.jsonc, so a starter runs on
 * the same runtime as the server it was made from, and its registration limiter. Read by their
 * lines (the file is JSONC, with comments): each must be there, on one line.
 */
function rootWrangler(repository: string): RootWrangler {
  const text = readFileSync(join(repository, 'wrangler.jsonc'), 'utf8');
  const date = /^\s*"compatibility_date"\s*:\s*("\d{4}-\d{2}-\d{2}")\s*,?\s*$/m.exec(text)?.[1];
  const flags = /^\s*"compatibility_flags"\s*:\s*(\[[^\]\n]*\])\s*,?\s*$/m.exec(text)?.[1];
  const registrationLimiter = /^\s*(\{\s*"name"\s*:\s*"REGISTRATION_LIMITER"[^\n]*\})\s*,?\s*$/m.exec(text)?.[1];
  if (!date || !flags || !registrationLimiter) {
    throw new StarterError('wrangler.jsonc: no one-line "compatibility_date", "compatibility_flags" and REGISTRATION_LIMITER entry for the starter to copy');
  }
  return { date: JSON.parse(date), flags: JSON.parse(flags), registrationLimiter };
}

export const STARTER_ZIP_PREFIX = 'mcp-server-';
/** The zip the site serves for an option: the option's simulated provider kept, so it runs offline. */
export const zipRequestFor = (option: AuthOptionId): StarterRequest => ({
  option,
  simulated: Boolean((AUTH_OPTIONS as Record<string, AuthOptionEntry>)[option].simulatedProvider),
  name: `${STARTER_ZIP_PREFIX}${option}`,
});

