/**
 * The scopes this server can grant. `mcp:read` is the baseline every MCP request needs (it is
 * named in the 401 challenge, so clients ask for it first); `mcp:write` is requested by step-up
 * when a tool that changes data is called.
 */
export const SCOPES = {
  read: 'mcp:read',
  write: 'mcp:write',
} as const;

export const SUPPORTED_SCOPES = [SCOPES.read, SCOPES.write];
export const BASELINE_SCOPES = [SCOPES.read];

export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  [SCOPES.read]: 'Use the read-only tools (add, whoami, countdown) as you',
  [SCOPES.write]: 'Save notes to your account with the save_note tool',
};

/**
 * Broader scopes imply narrower ones (MCP authorization: servers "MUST account for scope
 * hierarchies"): whoever may write may also read.
 */
export const SCOPE_IMPLIES: Readonly<Record<string, readonly string[]>> = {
  [SCOPES.write]: [SCOPES.read],
};

export function effectiveScopes(granted: readonly string[]): Set<string> {
  return new Set(granted.flatMap((scope) => [scope, ...(SCOPE_IMPLIES[scope] ?? [])]));
}

export function missingScopes(granted: readonly string[], needed: readonly string[]): string[] {
  const effective = effectiveScopes(granted);
  return needed.filter((scope) => !effective.has(scope));
}
