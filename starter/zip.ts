import { strToU8, zipSync, type Zippable } from 'fflate';
import { AUTH_OPTION_IDS, type AuthOptionId } from '../server/catalogue.ts';
import { generateStarter, zipRequestFor } from './generate.ts';

/**
 * The starters as the site offers them: one zip per auth option, holding exactly the files
 * `npm run starter` writes for it (simulated provider kept, so it runs offline), under one folder
 * named like the zip. Deterministic: the same server gives byte-identical zips.
 */
const FIXED_TIME = new Date('2026-01-01T00:00:00Z');

export const starterZipName = (option: AuthOptionId) => `${zipRequestFor(option).name}.zip`;

export function starterZip(option: AuthOptionId): Uint8Array {
  const request = zipRequestFor(option);
  const tree: Zippable = {};
  for (const [path, text] of generateStarter(request)) tree[`${request.name}/${path}`] = [strToU8(text), { mtime: FIXED_TIME }];
  return zipSync(tree, { level: 9, mtime: FIXED_TIME });
}

/** Every option's zip, by file name. */
export function starterZips(): Map<string, Uint8Array> {
  return new Map(AUTH_OPTION_IDS.map((option) => [starterZipName(option), starterZip(option)]));
}
