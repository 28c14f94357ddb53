import { describe, expect, it } from 'vitest';
import { authorize } from './support/oauth-client';

// RFC 6749 §3.3: when the client names no scope, the server applies its default. Ours is the
// baseline scope, so a client that asks for nothing still gets a token it can use.
describe('an authorization request without scope', () => {
  it('is granted the baseline scope, mcp:read', async () => {
    const { tokens } = await authorize({ scope: '' });
    expect(tokens.scope.split(' ')).toEqual(['mcp:read']);
  });

  it('still grants exactly what was asked when a scope is named', async () => {
    const { tokens } = await authorize({ scope: 'mcp:read mcp:write' });
    expect(tokens.scope.split(' ').sort()).toEqual(['mcp:read', 'mcp:write']);
  });
});
