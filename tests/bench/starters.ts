import { performance } from 'node:perf_hooks';
import { AUTH_OPTION_IDS } from '../../server/catalogue.ts';
import { generateStarter, zipRequestFor } from '../../starter/generate.ts';
import { starterZip, starterZipName } from '../../starter/zip.ts';

/** What a learner downloads per option, and what making it costs the site build. Printed, never asserted. */
export function benchStarters(table: (headers: string[], rows: (string | number)[][]) => string): void {
  const rows = AUTH_OPTION_IDS.map((option) => {
    const started = performance.now();
    const zip = starterZip(option);
    const ms = performance.now() - started;
    const files = generateStarter(zipRequestFor(option));
    const sourceBytes = [...files].filter(([path]) => path.startsWith('src/') && !path.endsWith('.test.ts')).reduce((sum, [, text]) => sum + text.length, 0);
    return [starterZipName(option), files.size, (sourceBytes / 1024).toFixed(1), (zip.byteLength / 1024).toFixed(1), ms.toFixed(0)];
  });
  console.log('\nStarter downloads (one zip per auth option, made at site build time)');
  console.log(table(['zip', 'files', 'server source KB', 'zip KB', 'made in ms'], rows));
}
