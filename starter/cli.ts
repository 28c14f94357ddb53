import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AUTH_OPTION_IDS, type AuthOptionId } from '../server/catalogue.ts';
import { generateStarter, StarterError } from './generate.ts';

/**
 * npm run starter -- --option <id> --out <dir> [--simulated] [--name <worker-name>]
 *
 * Writes a standalone Cloudflare Worker project for one auth option (see generate.ts).
 */
const USAGE = `Usage: npm run starter -- --option <${AUTH_OPTION_IDS.join('|')}> --out <dir> [--simulated] [--name <worker-name>]

  --option     the auth option to build the server around
  --out        where to write the project (a new or empty folder)
  --simulated  keep the option's simulated provider, so it runs with no account (not for option worker)
  --name       the Worker's name (default: my-mcp-server)`;

function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { option: { type: 'string' }, out: { type: 'string' }, simulated: { type: 'boolean', default: false }, name: { type: 'string', default: 'my-mcp-server' }, help: { type: 'boolean', default: false } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.option || !values.out) {
    console.error(`Both --option and --out are needed.\n\n${USAGE}`);
    return 2;
  }
  if (!AUTH_OPTION_IDS.includes(values.option as AuthOptionId)) {
    console.error(`Unknown option "${values.option}". Choose one of: ${AUTH_OPTION_IDS.join(', ')}.`);
    return 2;
  }
  const out = resolve(values.out);
  if (existsSync(out) && readdirSync(out).length > 0) {
    console.error(`${out} is not empty: choose a new folder, so nothing of yours is overwritten.`);
    return 1;
  }
  let files;
  try {
    files = generateStarter({ option: values.option as AuthOptionId, simulated: values.simulated, name: values.name });
  } catch (error) {
    if (!(error instanceof StarterError)) throw error;
    console.error(error.message);
    return 1;
  }
  for (const [path, text] of files) {
    const target = join(out, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  console.log(`Wrote ${files.size} files to ${out}.\n\nNext:\n  cd ${values.out}\n  npm install && npm run dev\n  npm test`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
