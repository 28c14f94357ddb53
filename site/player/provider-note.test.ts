import { describe, expect, test } from 'vitest';
import { providerNote, type ProviderInfo } from './provider-note';

const simulated: ProviderInfo[] = [
  { option: 'github', endpoint: '/github/mcp', name: 'Simulated GitHub', simulated: true },
  { option: 'oidc-proxy', endpoint: '/oidc/mcp', name: 'Simulated OIDC provider', simulated: true, issuer: 'http://lab.test/simulated/oidc' },
  { option: 'oidc-external', endpoint: '/external/mcp', name: 'Simulated OIDC provider', simulated: true, issuer: 'http://lab.test/simulated/oidc' },
];

describe('providerNote', () => {
  test('a simulated provider is part of the lab, and everything it does is recorded', () => {
    expect(providerNote('github', simulated)).toEqual({
      tone: 'simulated',
      lead: 'Simulated GitHub — part of the lab',
      text: expect.stringContaining('stand-in for github.com'),
    });
    expect(providerNote('oidc-external', simulated)!.text).toContain('Everything it does is recorded');
  });

  test('a real provider is another site: its pages stay grey, the Worker’s calls are recorded', () => {
    const note = providerNote('oidc-proxy', [{ option: 'oidc-proxy', endpoint: '/oidc/mcp', name: 'tenant.us.auth0.com', simulated: false, issuer: 'https://tenant.us.auth0.com/' }])!;
    expect(note).toMatchObject({ tone: 'real', lead: 'tenant.us.auth0.com — a real provider' });
    expect(note.text).toContain('(issuer https://tenant.us.auth0.com/)');
    expect(note.text).toContain('stay grey');
  });

  test('a configuration problem is said as the server says it', () => {
    expect(providerNote('github', [{ option: 'github', endpoint: '/github/mcp', name: null, simulated: false, problem: 'Set both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.' }])).toMatchObject({
      tone: 'problem',
      text: expect.stringContaining('Set both GITHUB_CLIENT_ID'),
    });
  });

  test('option 1 has no provider; an unknown answer says nothing', () => {
    expect(providerNote('worker', simulated)).toBeNull();
    expect(providerNote('github', [])).toBeNull();
  });
});
