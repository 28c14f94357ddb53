/**
 * The flow player's figures for `npm run bench` (called by run.ts with its preview server):
 *   - what the player costs: its own JavaScript, gzipped, from dist/client (the /lab page's player
 *     script and everything it imports statically; Mermaid and Monaco are separate, lazy chunks,
 *     reported apart);
 *   - Mermaid: what the browser actually downloads to draw a sequence diagram, gzipped;
 *   - first paint vs. diagram drawn, on /lab, in Chromium;
 *   - capture → lit: from an exchange reaching the player (its `flowplayer:exchange` event) to
 *     the message's `data-state` changing, and to the next frame, over real runs with sign-in.
 * Figures only: nothing is asserted.
 */
import { chromium, type Page } from '@playwright/test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../support/preview-server.ts';

const CLIENT = join(ROOT, 'dist/client');
const PAGE_LOADS = 5;
const RUNS = 4;
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

const gzipped = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => value.toFixed(1);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1; // nearest-rank
  return sorted[Math.min(Math.max(rank, 0), sorted.length - 1)];
}

/** `import … from "./x.js"` and `import "./x.js"`, not `import("./x.js")`: the chunks loaded with this one. */
function staticImports(code: string): string[] {
  return [...code.matchAll(/(?:^|[;\s}])import\s*(?:[\w*{}\s,$]+from\s*)?["'](\.\/[^"']+)["']/g)].map((match) => match[1]);
}

interface Bundle {
  files: string[];
  gzip: number;
}

/** These chunks and their static imports, transitively, minus `except`. */
function closure(entries: string[], except: Set<string> = new Set()): Bundle {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || except.has(file)) return;
    seen.add(file);
    for (const next of staticImports(readFileSync(join(CLIENT, '_astro', file), 'utf8'))) visit(next.slice(2));
  };
  entries.forEach(visit);
  const files = [...seen];
  return { files, gzip: files.reduce((sum, file) => sum + gzipped(readFileSync(join(CLIENT, '_astro', file))), 0) };
}

/** The player's own JavaScript: the /lab page's FlowPlayer script and its static imports, transitively. */
export function playerBundle(): Bundle {
  const html = readFileSync(join(CLIENT, 'lab/index.html'), 'utf8');
  const entries = [...html.matchAll(/<script[^>]+src="\/_astro\/([^"]+)"/g)].map((match) => match[1]).filter((file) => file.startsWith('FlowPlayer'));
  if (entries.length === 0) throw new Error('No FlowPlayer script in dist/client/lab/index.html: build first.');
  return closure(entries);
}

/** Monaco as the request editor loads it: the editor chunk, the JSON mode, and the two workers. */
function monacoBundle(player: Bundle): Bundle {
  const entries = readdirSync(join(CLIENT, '_astro')).filter((file) => /^(json-editor|jsonMode|editor\.worker|json\.worker)[.-].*\.js$/.test(file));
  return closure(entries, new Set(player.files));
}

async function launch() {
  return chromium.launch({
    executablePath: existsSync(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : undefined,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** One cold load of /lab: first contentful paint, diagram drawn, and the JS fetched after the player's own. */
async function loadOnce(page: Page, origin: string, player: Set<string>) {
  const scripts = new Set<string>();
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/_astro/') && url.pathname.endsWith('.js')) scripts.add(url.pathname.slice('/_astro/'.length));
  });
  await page.addInitScript(() => {
    new MutationObserver((_records, observer) => {
      if (!document.querySelector('[data-drawn]')) return;
      (window as unknown as { __drawnAt: number }).__drawnAt = performance.now();
      observer.disconnect();
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-drawn'] });
  });
  await page.goto(`${origin}/lab`);
  await page.waitForFunction(() => (window as unknown as { __drawnAt?: number }).__drawnAt !== undefined, null, { timeout: 20_000 });
  const timing = await page.evaluate(() => ({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    drawn: (window as unknown as { __drawnAt: number }).__drawnAt,
  }));
  const lazy = [...scripts].filter((file) => !player.has(file) && !file.startsWith('ThemeToggle'));
  return { ...timing, lazy };
}

/** Sign in and allow in the sign-in window the player opened. */
async function approve(popup: Page, userName: string) {
  await popup.waitForURL((url) => url.pathname === '/authorize');
  const name = popup.getByLabel('User name');
  if (await name.isVisible().catch(() => false)) {
    await name.fill(userName);
    await popup.keyboard.press('Enter');
  }
  await popup.getByRole('button', { name: 'Allow', exact: true }).click();
}

/** One Run on /lab; returns, for each message that lit, the delay from capture to data-state and to the next frame. */
async function timedRun(page: Page, origin: string, run: number) {
  await page.goto(`${origin}/lab`);
  await page.waitForSelector('[data-drawn]');
  await page.evaluate(() => {
    const root = document.querySelector<HTMLElement>('[data-flow-player]')!;
    const samples: { dom: number; frame: number }[] = [];
    let lastCapture = 0;
    root.addEventListener('flowplayer:exchange', (event) => (lastCapture = (event as CustomEvent<{ at: number }>).detail.at));
    new MutationObserver((records) => {
      const now = performance.now();
      const lit = records.filter((record) => (record.target as Element).matches('.fp-variant:not([hidden]) .fp-step') && ['done', 'error'].includes((record.target as HTMLElement).dataset.state!));
      if (lit.length === 0 || !lastCapture) return;
      const captured = lastCapture;
      requestAnimationFrame(() => samples.push({ dom: now - captured, frame: performance.now() - captured }));
    }).observe(root, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
    (window as unknown as { __samples: typeof samples }).__samples = samples;
  });
  const popupOpened = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await approve(await popupOpened, `bench-player-${run}`);
  await page.waitForSelector('[data-flow-player][data-phase="success"]', { timeout: 20_000 });
  await page.waitForTimeout(100); // the last frame callbacks
  const samples = await page.evaluate(() => (window as unknown as { __samples: { dom: number; frame: number }[] }).__samples);
  // The tool playground: from "Open the editor" to Monaco ready, and to the live tool list in it.
  const opened = Date.now();
  await page.getByRole('button', { name: 'Open the editor' }).click();
  await page.waitForSelector('[data-playground][data-editor-ready]');
  const ready = Date.now() - opened;
  await page.waitForFunction(() => /tools, from tools\/list/.test(document.querySelector('[data-pg-status]')?.textContent ?? ''));
  return { samples, editor: { ready, listed: Date.now() - opened } };
}

export async function benchPlayer(origin: string, table: (headers: string[], rows: (string | number)[][]) => string): Promise<void> {
  const bundle = playerBundle();
  const monaco = monacoBundle(bundle);
  const browser = await launch();
  try {
    const loads: Awaited<ReturnType<typeof loadOnce>>[] = [];
    for (let load = 0; load <= PAGE_LOADS; load++) {
      const context = await browser.newContext();
      const result = await loadOnce(await context.newPage(), origin, new Set(bundle.files));
      await context.close();
      if (load > 0) loads.push(result); // the first load warms the server
    }
    const mermaidFiles = loads[0].lazy;
    const mermaidGzip = mermaidFiles.reduce((sum, file) => sum + gzipped(readFileSync(join(CLIENT, '_astro', file))), 0);

    const samples: { dom: number; frame: number }[] = [];
    const editor: { ready: number; listed: number }[] = [];
    const context = await browser.newContext();
    const page = await context.newPage();
    for (let run = 0; run < RUNS; run++) {
      const result = await timedRun(page, origin, run);
      samples.push(...result.samples);
      editor.push(result.editor);
    }
    await context.close();
    console.log(`\nTool playground: "Open the editor" → ready, then → the live tools/list in it (ms; run 1 cold, later runs cached)`);
    console.log(table(['run', 'editor ready', 'tools listed'], editor.map((times, index) => [index + 1, ms(times.ready), ms(times.listed)])));

    console.log(`\nFlow player (/lab, Chromium ${browser.version()})`);
    console.log(
      table(
        ['what', 'size (gzip -9)'],
        [
          [`player JS: ${bundle.files.length} files, without Mermaid and Monaco`, kb(bundle.gzip)],
          [`Mermaid, as loaded for a sequence diagram: ${mermaidFiles.length} files`, kb(mermaidGzip)],
          [`Monaco core + JSON, when the tool playground opens: ${monaco.files.length} files`, kb(monaco.gzip)],
        ],
      ),
    );
    const fcp = loads.map((load) => load.fcp);
    const drawn = loads.map((load) => load.drawn);
    console.log(`\nFirst paint vs. diagram drawn, ${PAGE_LOADS} cold loads after a warm-up (ms since navigation)`);
    console.log(
      table(
        ['moment', 'median', 'min', 'max'],
        [
          ['first contentful paint', ms(percentile(fcp, 50)), ms(Math.min(...fcp)), ms(Math.max(...fcp))],
          ['diagram drawn (Mermaid loaded after paint)', ms(percentile(drawn, 50)), ms(Math.min(...drawn)), ms(Math.max(...drawn))],
        ],
      ),
    );
    const dom = samples.map((sample) => sample.dom);
    const frame = samples.map((sample) => sample.frame);
    console.log(`\nCapture → lit, ${samples.length} messages over ${RUNS} runs with sign-in (ms)`);
    console.log(
      table(
        ['until', 'p50', 'p95', 'max'],
        [
          ['data-state changed', ms(percentile(dom, 50)), ms(percentile(dom, 95)), ms(Math.max(...dom))],
          ['next frame', ms(percentile(frame, 50)), ms(percentile(frame, 95)), ms(Math.max(...frame))],
        ],
      ),
    );
  } finally {
    await browser.close();
  }
}
