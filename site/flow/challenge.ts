/**
 * Reads a `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3, RFC 9728 §5.1): the parameters a
 * client acts on are `resource_metadata` (where to start discovery), `scope` (what to ask for)
 * and `error` (`invalid_token`, `insufficient_scope`).
 */
export interface BearerChallenge {
  resourceMetadata?: string;
  scope?: string[];
  error?: string;
  errorDescription?: string;
}

const PARAMETER = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;

export function parseBearerChallenge(header: string | null): BearerChallenge | null {
  if (!header) return null;
  const bearer = /(?:^|,)\s*Bearer\b/i.exec(header);
  if (!bearer) return null;
  // The Bearer challenge's parameters run until the next `Scheme ` (another challenge) or the end.
  const rest = header.slice(bearer.index + bearer[0].length);
  const end = /,\s*[A-Za-z][\w-]*\s+[\w-]+\s*=/.exec(rest)?.index ?? rest.length;
  const params = new Map<string, string>();
  for (const [, name, quoted, token] of rest.slice(0, end).matchAll(PARAMETER)) {
    params.set(name.toLowerCase(), quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : token);
  }
  const scope = params.get('scope');
  return {
    resourceMetadata: params.get('resource_metadata'),
    scope: scope ? scope.split(' ').filter(Boolean) : undefined,
    error: params.get('error'),
    errorDescription: params.get('error_description'),
  };
}
