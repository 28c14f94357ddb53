import { describe, expect, it } from 'vitest';
import type { KeptAuthorization } from '../flow/types';
import { forgetAuthorization, keepAuthorization, keptAuthorizations, type KeptEntry } from './kept-authorization';

/** A Storage over a Map, as sessionStorage behaves. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

const NOW = 1_800_000_000_000;

function entry(option: KeptEntry['option'], transport: KeptEntry['transport'], kept: Partial<KeptAuthorization> = {}): KeptEntry {
  return {
    option,
    transport,
    page: { title: 'Authorization code', path: '/lessons/authorization-code/' },
    kept: {
      serverUrl: `https://lab.example/${transport === 'sse' ? 'sse' : 'mcp'}`,
      transport,
      registration: 'dcr',
      issuer: 'https://lab.example',
      authorizationServer: { authorization_endpoint: 'https://lab.example/authorize', token_endpoint: 'https://lab.example/oauth/token' },
      clientId: 'client-1',
      redirectUri: 'https://lab.example/lab/callback',
      tokens: { access_token: 'at', refresh_token: 'rt', scope: 'mcp:read' },
      obtainedAt: NOW - 60_000,
      expiresAt: NOW + 3_600_000,
      ...kept,
    },
  };
}

describe('kept authorizations', () => {
  it('keeps one per option and transport, newest first, and forgets one on request', () => {
    const storage = memoryStorage();
    keepAuthorization(storage, entry('worker', 'streamable-http'));
    keepAuthorization(storage, entry('worker', 'sse', { obtainedAt: NOW - 1_000 }));
    keepAuthorization(storage, entry('worker', 'streamable-http', { tokens: { access_token: 'newer' }, obtainedAt: NOW - 30_000 }));
    const kept = keptAuthorizations(storage, NOW);
    expect(kept.map(({ transport, kept: { tokens } }) => [transport, tokens.access_token])).toEqual([
      ['sse', 'at'],
      ['streamable-http', 'newer'],
    ]);
    forgetAuthorization(storage, 'worker', 'sse');
    expect(keptAuthorizations(storage, NOW).map(({ transport }) => transport)).toEqual(['streamable-http']);
    forgetAuthorization(storage, 'worker', 'streamable-http');
    expect(storage.length).toBe(0);
  });

  it('keeps a 2026-07-28 authorization apart from a 2025-11-25 one for the same endpoint', () => {
    const storage = memoryStorage();
    keepAuthorization(storage, entry('worker', 'streamable-http'));
    keepAuthorization(storage, entry('worker', 'streamable-http', { revision: '2026-07-28', obtainedAt: NOW - 10 }));
    expect(keptAuthorizations(storage, NOW).map(({ kept }) => kept.revision ?? '2025-11-25')).toEqual(['2026-07-28', '2025-11-25']);
    forgetAuthorization(storage, 'worker', 'streamable-http', '2026-07-28');
    expect(keptAuthorizations(storage, NOW).map(({ kept }) => kept.revision ?? '2025-11-25')).toEqual(['2025-11-25']);
  });

  it('forgets a token that expires within a minute, and keeps one that does not say when it expires', () => {
    const storage = memoryStorage();
    keepAuthorization(storage, entry('worker', 'streamable-http', { expiresAt: NOW + 30_000 }));
    keepAuthorization(storage, entry('github', 'streamable-http', { expiresAt: undefined }));
    expect(keptAuthorizations(storage, NOW).map(({ option }) => option)).toEqual(['github']);
    expect(storage.getItem('mcp-auth-lab:kept-authorizations')).not.toContain('"worker');
  });

  it('reads anything unusable as nothing kept: not JSON, another shape, a missing token', () => {
    const storage = memoryStorage();
    storage.setItem('mcp-auth-lab:kept-authorizations', '{not json');
    expect(keptAuthorizations(storage, NOW)).toEqual([]);
    storage.setItem('mcp-auth-lab:kept-authorizations', JSON.stringify([entry('worker', 'sse')]));
    expect(keptAuthorizations(storage, NOW)).toEqual([]);
    const broken = entry('worker', 'sse');
    delete (broken.kept.tokens as Partial<KeptAuthorization['tokens']>).access_token;
    storage.setItem('mcp-auth-lab:kept-authorizations', JSON.stringify({ 'worker sse 2025-11-25': broken, 'worker streamable-http 2025-11-25': entry('worker', 'streamable-http') }));
    expect(keptAuthorizations(storage, NOW).map(({ transport }) => transport)).toEqual(['streamable-http']);
  });

  it('a storage that refuses writes costs nothing but the sharing', () => {
    const storage = { ...memoryStorage(), setItem: () => { throw new DOMException('full', 'QuotaExceededError'); } } as Storage;
    expect(() => keepAuthorization(storage, entry('worker', 'sse'))).not.toThrow();
    expect(keptAuthorizations(storage, NOW)).toEqual([]);
  });
});
