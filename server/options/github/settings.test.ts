import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../config';
import type { ServerEnv } from '../../env';
import { simulatedGithub } from '../../simulated/github';
import { contextWith as bare, TEST_ORIGIN as ORIGIN } from '../../testing/context';
import { githubSettings } from './settings';

/** These settings, with the Simulated GitHub served unless told otherwise. */
const contextWith = (vars: Partial<ServerEnv> = {}, simulated = [simulatedGithub]) => bare(vars, simulated);

describe('githubSettings', () => {
  it('is the Simulated GitHub on this origin when no app is configured', async () => {
    expect(await githubSettings(contextWith())).toMatchObject({
      name: 'Simulated GitHub',
      simulated: true,
      authorizeUrl: `${ORIGIN}/simulated/github/login/oauth/authorize`,
      tokenUrl: `${ORIGIN}/simulated/github/login/oauth/access_token`,
      userUrl: `${ORIGIN}/simulated/github/api/user`,
    });
  });

  it('is github.com with both settings', async () => {
    expect(await githubSettings(contextWith({ GITHUB_CLIENT_ID: ' id ', GITHUB_CLIENT_SECRET: 'secret' }))).toEqual({
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
    await expect(githubSettings(contextWith(vars))).rejects.toThrow(ConfigurationError);
  });

  it('derives the simulated app’s secret from SERVER_SECRET: stable, and different per secret', async () => {
    const a = await githubSettings(contextWith());
    expect((await githubSettings(contextWith())).clientSecret).toBe(a.clientSecret);
    expect((await githubSettings(contextWith({ SERVER_SECRET: 't'.repeat(32) }))).clientSecret).not.toBe(a.clientSecret);
    expect(a.clientSecret).not.toContain('s'.repeat(8));
  });
});


describe('githubSettings without the Simulated GitHub', () => {
  it('needs the GitHub OAuth app configured', async () => {
    await expect(githubSettings(contextWith({}, []))).rejects.toThrow(/Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET/);
  });
});
