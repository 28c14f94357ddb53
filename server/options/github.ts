import { MCP_PATHS } from '../oauth/authorization-server';
import { streamableMcpEndpoint, tokensIssuedHere } from '../mcp/endpoints';
import { define, text, TOOLS } from '../mcp/tools';
import { SCOPES } from '../scopes';
import { exchangeGithubCode, fetchGithubUser, githubAuthorizationUrl } from '../upstream/github';
import { githubSettings } from '../upstream/providers';
import { UpstreamError } from '../upstream/upstream-error';
import type { AuthOption } from './option';
import { memo } from './memo';

/**
 * Option 2: GitHub behind the Worker. This Worker is the MCP authorization server; GitHub (or the
 * Simulated GitHub, server/simulated/github.ts) only signs the user in. The MCP client gets this
 * Worker's token for /github/mcp; the GitHub token stays in the grant's encrypted props, and the
 * `github_profile` tool uses it to call GitHub's API for the user.
 */
const githubProfile = define({
  name: 'github_profile',
  title: 'Your GitHub profile',
  description:
    'Calls the GitHub API as you, with the GitHub token this server keeps for you (it never leaves the server), and returns your profile.',
  input: {},
  requiredScopes: [SCOPES.read],
  async run(_args, { props }) {
    if (props.signedInWith !== 'github') return { ...text('This grant was not made through GitHub.'), isError: true };
    const { provider, userUrl, accessToken } = props.github;
    try {
      const user = await fetchGithubUser({ name: provider, userUrl }, accessToken);
      const profile = { login: user.login, id: user.id, name: user.name, html_url: user.html_url ?? null, provider, fetched_from: userUrl };
      return text(JSON.stringify(profile, null, 2), profile);
    } catch (error) {
      if (error instanceof UpstreamError) return { ...text(`${error.publicDescription} Sign in again to refresh the GitHub token.`), isError: true };
      throw error;
    }
  },
});

export const githubOption: AuthOption = {
  name: 'github',
  mcpPath: MCP_PATHS.github,
  resourceServer: memo((_env, origin) =>
    streamableMcpEndpoint({
      origin,
      path: MCP_PATHS.github,
      resourceName: 'MCP Auth Lab — option 2, GitHub behind the Worker',
      authorizationServers: [origin],
      validateToken: tokensIssuedHere(origin, 'github'),
      tools: [...TOOLS, githubProfile],
    }),
  ),
  signIn: {
    async providerName(env, origin) {
      return (await githubSettings(env, origin)).name;
    },
    async authorizationUrl(env, origin, attempt) {
      return githubAuthorizationUrl(await githubSettings(env, origin), attempt);
    },
    async finish(env, origin, { params, verifier, redirectUri }) {
      const github = await githubSettings(env, origin);
      const code = params.get('code');
      if (!code) throw new UpstreamError('server_error', `${github.name} sent no code.`, 'callback without code');
      const accessToken = await exchangeGithubCode(github, { code, verifier, redirectUri });
      const user = await fetchGithubUser(github, accessToken);
      // Namespaced, so a simulated account never shares notes with a real GitHub user of the same id.
      const userId = `${github.simulated ? 'simulated-github' : 'github'}_${user.id}`;
      return {
        userId,
        userName: user.login,
        props: { signedInWith: 'github', userId, userName: user.login, github: { login: user.login, accessToken, userUrl: github.userUrl, provider: github.name } },
      };
    },
  },
};
