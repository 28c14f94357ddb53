// @ts-check
import { defineConfig } from 'astro/config';
import cloudflare from '@astrojs/cloudflare';
import { monacoStylesAtRuntime } from './site/player/vite-monaco-styles.ts';
import { starterDownloads } from './starter/astro-integration.ts';
import { satteri } from '@astrojs/markdown-satteri';
import { serverExcerpts } from './site/lib/markdown-excerpts.ts';

// The site lives in site/, lessons in lessons/ (a content collection), and the Worker entry
// (site/worker.ts, named in wrangler.jsonc) puts the companion MCP server in front of Astro.
export default defineConfig({
  srcDir: './site',
  output: 'server',
  // The lab serves no transformed images: skip the Images binding the adapter would add.
  adapter: cloudflare({ imageService: 'passthrough' }),
  devToolbar: { enabled: false },
  // One starter zip per auth option at /starters/mcp-server-<id>.zip, made from server/ (starter/).
  integrations: [starterDownloads()],
  // Lessons quote the server's code by named regions, read at build time (site/lib/excerpts.ts).
  markdown: { processor: satteri({ mdastPlugins: [serverExcerpts] }) },
  server: { port: 4321, host: 'localhost' },
  // The flow player's editor brings its CSS when it is opened, not on every page (see the plugin).
  vite: { plugins: [monacoStylesAtRuntime()] },
});
