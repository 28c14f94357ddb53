import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../config';
import type { ServerEnv } from '../env';
import { externalIssuerSettings, githubSettings, oidcProxySettings } from './providers';

const ORIGIN = 'https://lab.example';
const env = (vars: Partial<ServerEnv> = {}) => ({ LAB_SECRET: 's'.repeat(32), ...vars }) as ServerEnv;

describe('githubSettings', () => {
  it('is the Simulated GitHub on this origin when no app is configured', async () => {
    expect(await githubSettings(env(), ORIGIN)).toMatchObject({
      name: 'Simulated GitHub',
      simulated: true,
      authorizeUrl: `${ORIGIN}/simulated/github/login/oauth/authorize`,
      tokenUrl: `${ORIGIN}/simulated/github/login/oauth/access_token`,
      userUrl: `${ORIGIN}/simulated/github/api/user`,
    });
  });

  it('is github.com with both settings', async () => {
    expect(await githubSettings(env({ GITHUB_CLIENT_ID: ' id ', GITHUB_CLIENT_SECRET: 'secret' }), ORIGIN)).toEqual({
      name: 'GitHub',
      simulated: false,
      authorizeUrl: 'https://github.com/login/oauth/authorize',
      tokenUrl: 'https://github.com/login/oauth/access_token',
      userUrl: 'https://api.github.com/user',
      clientId: 'id',
      clientSecret: 'secret',
    });
  });

  it.each([{ GITHUB_CLIENT_ID: 'id' }, { GITHUB_CLIENT_SECRET: 'secret' }])('refuses half a configuration: %j', async (vars) => {
    await expect(githubSettings(env(vars), ORIGIN)).rejects.toThrow(ConfigurationError);
  });

  it('derives the simulated app’s secret from LAB_SECRET: stable, and different per secret', async () => {
    const a = await githubSettings(env(), ORIGIN);
    expect((await githubSettings(env(), ORIGIN)).clientSecret).toBe(a.clientSecret);
    expect((await githubSettings(env({ LAB_SECRET: 't'.repeat(32) }), ORIGIN)).clientSecret).not.toBe(a.clientSecret);
    expect(a.clientSecret).not.toContain('s'.repeat(8));
  });
});

describe('oidcProxySettings', () => {
  it('is the Simulated OIDC provider and the lab’s built-in client by default', async () => {
    expect(await oidcProxySettings(env(), ORIGIN)).toMatchObject({
      simulated: true,
      issuer: `${ORIGIN}/simulated/oidc`,
      clientId: 'mcp-auth-lab-proxy',
      scopes: ['openid', 'profile', 'email'],
    });
  });

  it('is the configured provider, named by its host, keeping the issuer exactly as written', async () => {
    const settings = await oidcProxySettings(env({ OIDC_ISSUER: 'https://tenant.us.auth0.com/', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's', OIDC_SCOPES: 'openid email' }), ORIGIN);
    expect(settings).toEqual({ name: 'tenant.us.auth0.com', simulated: false, issuer: 'https://tenant.us.auth0.com/', clientId: 'c', clientSecret: 's', scopes: ['openid', 'email'] });
  });

  it.each([
    ['no client credentials', { OIDC_ISSUER: 'https://idp.example' }],
    ['an issuer that is not a URL', { OIDC_ISSUER: 'idp.example', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' }],
    ['an http issuer off loopback', { OIDC_ISSUER: 'http://idp.example', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' }],
    ['an issuer with a query', { OIDC_ISSUER: 'https://idp.example/?x=1', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' }],
    ['scopes without openid', { OIDC_SCOPES: 'profile email' }],
  ])('refuses %s', async (_label, vars) => {
    await expect(oidcProxySettings(env(vars), ORIGIN)).rejects.toThrow(ConfigurationError);
  });
});

describe('externalIssuerSettings', () => {
  const resource = `${ORIGIN}/external/mcp`;

  it('trusts the Simulated OIDC provider, for this resource, with at+jwt tokens only, by default', () => {
    expect(externalIssuerSettings(env({ OIDC_AUDIENCE: 'ignored-without-issuer', OIDC_ALLOW_UNTYPED_ACCESS_TOKENS: 'true' }), ORIGIN, resource)).toEqual({
      name: 'Simulated OIDC provider',
      simulated: true,
      issuer: `${ORIGIN}/simulated/oidc`,
      audience: resource,
      allowUntypedAccessTokens: false,
    });
  });

  it('trusts the configured issuer, with its audience for this API', () => {
    expect(externalIssuerSettings(env({ OIDC_ISSUER: 'https://team.cloudflareaccess.com', OIDC_AUDIENCE: 'aud-tag', OIDC_ALLOW_UNTYPED_ACCESS_TOKENS: 'true' }), ORIGIN, resource)).toMatchObject({
      issuer: 'https://team.cloudflareaccess.com',
      audience: 'aud-tag',
      allowUntypedAccessTokens: true,
    });
  });
});
