import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { STARTERS_PATH } from './paths.ts';
import { starterZips } from './zip.ts';

/**
 * Serves the starter zips at /starters/<name>.zip: written into the client build (so the deployed
 * Worker serves them as static assets), and made on request by the dev server (so `npm run dev`
 * offers the zips of the server as it is now).
 */

export function starterDownloads(): AstroIntegration {
  return {
    name: 'starter-downloads',
    hooks: {
      'astro:server:setup': ({ server }) => {
        server.middlewares.use((request, response, next) => {
          const path = (request.url ?? '').split('?')[0];
          if (!path.startsWith(STARTERS_PATH)) return next();
          const zip = starterZips().get(path.slice(STARTERS_PATH.length));
          if (!zip) return next();
          response.setHeader('Content-Type', 'application/zip');
          response.setHeader('Content-Disposition', `attachment; filename="${path.slice(STARTERS_PATH.length)}"`);
          response.end(Buffer.from(zip));
        });
      },
      'astro:build:done': ({ dir, logger }) => {
        const folder = fileURLToPath(new URL(`.${STARTERS_PATH}`, dir));
        mkdirSync(folder, { recursive: true });
        for (const [name, zip] of starterZips()) {
          writeFileSync(`${folder}${name}`, zip);
          logger.info(`starter ${name}: ${(zip.byteLength / 1024).toFixed(1)} KB`);
        }
      },
    },
  };
}
