// @ts-check
import { defineConfig } from 'astro/config';
import cloudflare from '@astrojs/cloudflare';

// The site lives in site/, lessons in lessons/ (a content collection), and the Worker entry
// (site/worker.ts, named in wrangler.jsonc) puts the companion MCP server in front of Astro.
export default defineConfig({
  srcDir: './site',
  output: 'server',
  // The lab serves no transformed images: skip the Images binding the adapter would add.
  adapter: cloudflare({ imageService: 'passthrough' }),
  devToolbar: { enabled: false },
  server: { port: 4321, host: 'localhost' },
});
