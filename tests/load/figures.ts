/**
 * How `npm run load` sorts and sums what it measured: the kind of each request (by what it is for
 * in an MCP authorization flow), nearest-rank percentiles, and plain-text tables. Pure functions.
 */
export const REQUEST_KINDS = ['discovery', 'registration', 'authorize pages', 'token', 'mcp', 'trace', 'other'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** MCP endpoints on the lab's origin (all options and transports; /sse/message is the legacy transport's POST). */
const MCP_PATHS = new Set(['/mcp', '/sse', '/sse/message', '/github/mcp', '/oidc/mcp', '/external/mcp']);

/**
 * What a request to the lab's Worker is for, from its method and path: the discovery documents
 * (the Worker's and the simulated provider's), client registration (at the Worker, or at the
 * provider for option 3b), the pages the user's window goes through (sign-in, consent, the
 * provider's pages, the page's callback), the token endpoints, MCP, and the lab's trace.
 */
export function kindOf(method: string, pathname: string): RequestKind {
  if (pathname.includes('/.well-known/')) return 'discovery';
  if (method === 'POST' && (pathname === '/oauth/register' || pathname === '/simulated/oidc/register')) return 'registration';
  if (method === 'POST' && (pathname === '/oauth/token' || pathname === '/simulated/oidc/token' || pathname === '/simulated/github/login/oauth/access_token')) return 'token';
  if (MCP_PATHS.has(pathname)) return 'mcp';
  if (pathname === '/lab/traces' || pathname.startsWith('/lab/traces/')) return 'trace';
  if (pathname.startsWith('/authorize') || pathname.startsWith('/simulated/') || pathname === '/lab/callback') return 'authorize pages';
  return 'other';
}

/** Nearest-rank percentile of a non-empty list; NaN for an empty one. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(Math.max(rank, 0), sorted.length - 1)];
}

/** Left-aligned first column, right-aligned numbers. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [line(cells[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(0));
export const perLearner = (total: number, learners: number) => (learners === 0 ? '-' : (total / learners).toFixed(1));
