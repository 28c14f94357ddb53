import { describe, expect, it } from 'vitest';
import type { ExternalGrantState, IssuedHereGrantState } from '../../server/lab/grant-state';
import { describeGrantState, relative } from './server-state-words';

const NOW = 1_800_000_000;
const HASH = 'a'.repeat(64);
const words = { now: NOW, timeZone: 'UTC', locale: 'en-GB' };

const github: IssuedHereGrantState = {
  kind: 'grant',
  option: 'github',
  optionNumber: '2',
  resource: 'https://lab.example/github/mcp',
  userId: 'simulated-github_1',
  presentedToken: { userId: 'simulated-github_1', grantId: 'G'.repeat(16), secretLength: 32, idHash: HASH },
  grant: {
    key: `grant:simulated-github_1:${'G'.repeat(16)}`,
    kvExpiresAt: NOW + 30 * 86400,
    id: 'G'.repeat(16),
    userId: 'simulated-github_1',
    clientId: 'client-1',
    scope: ['mcp:read'],
    resource: 'https://lab.example/github/mcp',
    redirectUri: 'https://lab.example/lab/callback',
    metadata: [{ path: 'userName', value: 'mona' }],
    createdAt: NOW - 60,
    expiresAt: null,
    authorizationCode: { idHash: 'c'.repeat(64), exchanged: true },
    pkce: null,
    refreshToken: { idHash: 'r'.repeat(64), previousIdHash: null },
    wrappedKeys: [{ for: 'refresh-token', bytes: 40 }],
    encryptedProps: { bytes: 220, holds: ['signedInWith', 'userId', 'userName', 'github.login', 'github.accessToken'] },
  },
  tokens: [
    {
      key: `token:simulated-github_1:${'G'.repeat(16)}:${HASH}`,
      kvExpiresAt: NOW + 3540,
      idHash: HASH,
      current: true,
      audience: 'https://lab.example/github/mcp',
      scope: ['mcp:read'],
      clientId: 'client-1',
      createdAt: NOW - 60,
      expiresAt: NOW + 3540,
      wrappedKeyBytes: 40,
      encryptedPropsBytes: 220,
    },
  ],
  props: [
    { path: 'signedInWith', value: 'github' },
    { path: 'github.login', value: 'mona' },
    { path: 'github.accessToken', secret: { text: 'gho_…(40 chars)', prefix: 'gho_', length: 40 } },
  ],
  upstream: { propPath: 'github.accessToken', provider: 'Simulated GitHub', token: { text: 'gho_…(40 chars)', prefix: 'gho_', length: 40 } },
  note: null,
  readAt: NOW,
};

const external: ExternalGrantState = {
  kind: 'external',
  option: 'oidc-external',
  optionNumber: '3b',
  resource: 'https://lab.example/external/mcp',
  userId: 'external_abcdefghijklmnopqrstuv',
  provider: { name: 'Simulated OIDC provider', issuer: 'https://lab.example/simulated/oidc', simulated: true },
  token: {
    masked: { text: 'eyJ…(700 chars)', prefix: 'eyJ', length: 700 },
    claims: { issuer: 'https://lab.example/simulated/oidc', subject: '42', audience: 'https://lab.example/external/mcp', scope: ['mcp:read'], expiresAt: NOW + 600 },
  },
  grant: null,
  tokens: [],
  caches: [
    { what: 'discovery', url: 'https://lab.example/simulated/oidc/.well-known/openid-configuration', maxAgeSeconds: 300 },
    { what: 'jwks', url: 'https://lab.example/simulated/oidc/jwks', maxAgeSeconds: 600 },
  ],
  note: { key: 'note:external_abcdefghijklmnopqrstuv', kvExpiresAt: null, count: 1, bytes: 20, notes: [{ text: 'hi', tag: 'idea' }] },
  readAt: NOW,
};

describe('describeGrantState', () => {
  it('a grant: one block per record, hashes monospaced, props encrypted with what they hold, times in local time', () => {
    const view = describeGrantState(github, words);
    expect(view.summary).toMatch(/^Option 2: GitHub signed you in; the Worker issued the tokens, so it keeps a grant/);
    expect(view.records.map((record) => record.id)).toEqual(['grant', 'token-current', 'props', 'upstream', 'note']);
    const grant = view.records[0];
    expect(grant.kvKey).toBe(`grant:simulated-github_1:${'G'.repeat(16)}`);
    expect(grant.explanation).toContain('KV deletes it on 14 Feb 2027, 08:00:00 (in 30 days)');
    expect(grant.fields.find((field) => field.term === 'props')?.detail).toBe('encrypted (220 bytes): holds signedInWith, userId, userName, github.login, github.accessToken');
    expect(grant.fields.find((field) => field.term === 'Refresh token (SHA-256)')).toMatchObject({ detail: 'r'.repeat(64), mono: true });
    expect(grant.fields.find((field) => field.term === 'metadata')?.detail).toBe('userName: mona');
    const token = view.records[1];
    expect(token.explanation).toContain('expires on 15 Jan 2027, 08:59:00 (in 59 minutes)');
    const upstream = view.records[3];
    expect(upstream.title).toBe('Simulated GitHub’s access token');
    expect(upstream.explanation).toContain('at github.accessToken');
    expect(upstream.fields).toContainEqual(expect.objectContaining({ detail: 'gho_…(40 chars)', masked: true }));
    expect(view.records[2].fields).toContainEqual(expect.objectContaining({ term: 'github.accessToken', detail: 'gho_…(40 chars)', masked: true }));
    expect(view.records[4].explanation).toMatch(/^No such key/);
  });

  it('option 3b: says nothing is stored, what is verified, what is cached in memory, and the notes', () => {
    const view = describeGrantState(external, words);
    expect(view.summary).toContain('keeps no grant and no token record');
    expect(view.records.map((record) => record.id)).toEqual(['none', 'claims', 'caches', 'note']);
    expect(view.records[2].fields.map((field) => field.note)).toEqual(['kept up to 5 minutes', 'kept up to 10 minutes']);
    expect(view.records[3].fields).toContainEqual({ term: 'Note 1', detail: 'hi [idea]' });
    expect(JSON.stringify(view)).not.toMatch(/undefined/);
  });
});

describe('relative', () => {
  it.each([
    [30, 'in 30 seconds'],
    [3540, 'in 59 minutes'],
    [-120, '2 minutes ago'],
    [7200, 'in 2 hours'],
    [30 * 86400, 'in 30 days'],
    [86400 * 1.4, 'in 34 hours'],
  ])('%d → %s', (delta, text) => expect(relative(delta)).toBe(text));
});
