/**
 * Code excerpts for lessons, taken from the server's real files at build time, so a lesson can
 * never show code that drifted from what runs. A region is marked in the source with a pair of
 * comments that editors fold (VS Code, JetBrains):
 *
 *     // #region github-option
 *     …
 *     // #endregion github-option
 *
 * and a lesson asks for it with a code block whose meta is `excerpt=server/<path>#<region>`.
 * Anything missing stops the build with a message that says what to fix.
 */
export class ExcerptError extends Error {}

const REGION_MARKER = /^\s*\/\/\s*#(end)?region\b/;

export interface ExcerptRef {
  /** A path under server/, e.g. `server/options/github/index.ts`. */
  path: string;
  region: string;
}

/** Reads `excerpt=server/x.ts#name` from a code block's meta; null when there is none. */
export function excerptRefOf(meta: string | null | undefined): ExcerptRef | null {
  const match = /(?:^|\s)excerpt=(\S+)/.exec(meta ?? '');
  if (!match) return null;
  const [path, region, ...rest] = match[1].split('#');
  if (!path || !region || rest.length > 0) throw new ExcerptError(`excerpt=${match[1]}: write it as excerpt=server/<file>#<region>.`);
  if (!/^server\/[\w./-]+\.ts$/.test(path) || path.includes('..')) throw new ExcerptError(`excerpt=${match[1]}: excerpts come from a .ts file under server/.`);
  return { path, region };
}

/** The lines between the region's two markers, without nested markers, dedented. */
export function extractRegion(source: string, { path, region }: ExcerptRef): string {
  const lines = source.split('\n');
  const marker = (kind: 'region' | 'endregion') => (line: string) => new RegExp(`^\\s*//\\s*#${kind}\\s+${escape(region)}\\s*$`).test(line);
  const start = lines.findIndex(marker('region'));
  if (start < 0) throw new ExcerptError(`${path} has no region "${region}": add "// #region ${region}" and "// #endregion ${region}" around the code the lesson shows.`);
  const end = lines.findIndex((line, index) => index > start && marker('endregion')(line));
  if (end < 0) throw new ExcerptError(`${path}: region "${region}" is never closed: add "// #endregion ${region}".`);
  if (lines.slice(end + 1).some(marker('region'))) throw new ExcerptError(`${path}: region "${region}" is marked twice; region names must be unique in a file.`);
  const body = lines.slice(start + 1, end).filter((line) => !REGION_MARKER.test(line));
  if (body.every((line) => line.trim() === '')) throw new ExcerptError(`${path}: region "${region}" is empty.`);
  const indent = Math.min(...body.filter((line) => line.trim() !== '').map((line) => line.length - line.trimStart().length));
  return body.map((line) => line.slice(indent)).join('\n').trimEnd();
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
