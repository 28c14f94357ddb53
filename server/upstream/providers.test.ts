import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../config';
import type { ServerEnv } from '../env';
import { simulatedOidc } from '../simulated/oidc/provider';
import { contextWith as bare, TEST_ORIGIN as ORIGIN } from '../testing/context';
import { externalIssuerSettings, oidcProxySettings } from './providers';

/** These settings, with the Simulated OIDC provider served unless told otherwise. */
const contextWith = (vars: Partial<ServerEnv> = {}, simulated = [simulatedOidc]) => bare(vars, simulated);

describe('oidcProxySettings', () => {
  it('is the Simulated OIDC provider and the server’s built-in client there by default', async () => {
    expect(await oidcProxySettings(contextWith())).toMatchObject({
      simulated: true,
      issuer: `${ORIGIN}/simulated/oidc`,
      clientId: 'mcp-server-proxy',
      scopes: ['openid', 'profile', 'email'],
    });
  });

  it('is the configured provider, named by its host, keeping the issuer exactly as written', async () => {
    const settings = await oidcProxySettings(contextWith({ OIDC_ISSUER: 'https://tenant.us.auth0.com/', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's', OIDC_SCOPES: 'openid email' }));
    expect(settings).toEqual({ name: 'tenant.us.auth0.com', simulated: false, issuer: 'https://tenant.us.auth0.com/', clientId: 'c', clientSecret: 's', scopes: ['openid', 'email'] });
  });

  it.each([
    ['no client credentials', { OIDC_ISSUER: 'https://idp.example' }],
    ['an issuer that is not a URL', { OIDC_ISSUER: 'idp.example', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' }],
    ['an http issuer off loopback', { OIDC_ISSUER: 'http://idp.example', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' }],
    ['an issuer with a query', { OIDC_ISSUER: 'https://idp.example/?x=1', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' }],
    ['scopes without openid', { OIDC_SCOPES: 'profile email' }],
  ])('refuses %s', async (_label, vars) => {
    await expect(oidcProxySettings(contextWith(vars))).rejects.toThrow(ConfigurationError);
  });
});

describe('externalIssuerSettings', () => {
  const resource = `${ORIGIN}/external/mcp`;

  it('trusts the Simulated OIDC provider, for this resource, with at+jwt tokens only, by default', () => {
    expect(externalIssuerSettings(contextWith({ OIDC_AUDIENCE: 'ignored-without-issuer', OIDC_ALLOW_UNTYPED_ACCESS_TOKENS: 'true' }), resource)).toEqual({
      name: 'Simulated OIDC provider',
      simulated: true,
      issuer: `${ORIGIN}/simulated/oidc`,
      audience: resource,
      allowUntypedAccessTokens: false,
    });
  });

  it('trusts the configured issuer, with its audience for this API', () => {
    expect(externalIssuerSettings(contextWith({ OIDC_ISSUER: 'https://team.cloudflareaccess.com', OIDC_AUDIENCE: 'aud-tag', OIDC_ALLOW_UNTYPED_ACCESS_TOKENS: 'true' }), resource)).toMatchObject({
      issuer: 'https://team.cloudflareaccess.com',
      audience: 'aud-tag',
      allowUntypedAccessTokens: true,
    });
  });
});

describe('without a simulated provider (a server built for real providers only)', () => {
  it('option 3a needs its provider configured', async () => {
    await expect(oidcProxySettings(contextWith({}, []))).rejects.toThrow(/OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET/);
  });

  it('option 3b needs its issuer configured', () => {
    expect(() => externalIssuerSettings(contextWith({}, []), `${ORIGIN}/external/mcp`)).toThrow(ConfigurationError);
  });
});
