import { SERVER_INFO } from '../../server-info';
import { callProvider, jsonObject, UpstreamError } from '../../upstream/upstream-error';
import type { GithubSettings } from './settings';

/**
 * GitHub's OAuth web flow, as this Worker's client of it (GitHub docs, "Authorizing OAuth apps"):
 * send the browser to /login/oauth/authorize, exchange the code at /login/oauth/access_token with
 * the app's secret (and the PKCE verifier), then call the REST API's /user with the token.
 */
export const GITHUB_SCOPE = 'read:user';

export function githubAuthorizationUrl(github: GithubSettings, input: { state: string; codeChallenge: string; redirectUri: string }): string {
  const url = new URL(github.authorizeUrl);
  url.search = new URLSearchParams({
    client_id: github.clientId,
    redirect_uri: input.redirectUri,
    scope: GITHUB_SCOPE,
    state: input.state,
    code_challenge: input.codeChallenge,
    code_challenge_method: 'S256',
    allow_signup: 'false',
  }).toString();
  return url.href;
}

/** The code for a token. GitHub reports a refused code with HTTP 200 and an `error` field. */
export async function exchangeGithubCode(github: GithubSettings, input: { code: string; verifier: string; redirectUri: string }): Promise<string> {
  const response = await callProvider(github.name, github.tokenUrl, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': SERVER_INFO.name },
    body: new URLSearchParams({
      client_id: github.clientId,
      client_secret: github.clientSecret,
      code: input.code,
      redirect_uri: input.redirectUri,
      code_verifier: input.verifier,
    }),
  });
  const body = await jsonObject(github.name, response, 'token endpoint');
  if (typeof body.error === 'string') {
    throw new UpstreamError('server_error', `${github.name} refused the sign-in (${body.error}).`, `token endpoint error ${body.error}`, 'provider-refused-code');
  }
  if (!response.ok || typeof body.access_token !== 'string' || String(body.token_type).toLowerCase() !== 'bearer') {
    throw new UpstreamError('server_error', `${github.name} did not issue a token.`, `token endpoint: HTTP ${response.status}, no bearer access_token`);
  }
  return body.access_token;
}

export interface GithubUser {
  id: number;
  login: string;
  name: string | null;
  html_url?: string;
}

/** GET /user with the user's token: who signed in. A 401 means the token is no longer valid. */
export async function fetchGithubUser(github: Pick<GithubSettings, 'name' | 'userUrl'>, accessToken: string): Promise<GithubUser> {
  const response = await callProvider(github.name, github.userUrl, {
    headers: {
      Authorization: `Bearer ${accessToken}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': SERVER_INFO.name, // GitHub's API refuses requests without one
    },
  });
  if (response.status === 401) {
    await response.body?.cancel();
    throw new UpstreamError('access_denied', `${github.name} no longer accepts this sign-in.`, 'user endpoint: 401');
  }
  const body = await jsonObject(github.name, response, 'user endpoint');
  if (!response.ok || typeof body.id !== 'number' || typeof body.login !== 'string') {
    throw new UpstreamError('server_error', `${github.name} did not say who signed in.`, `user endpoint: HTTP ${response.status}`);
  }
  return { id: body.id, login: body.login, name: typeof body.name === 'string' ? body.name : null, ...(typeof body.html_url === 'string' && { html_url: body.html_url }) };
}
