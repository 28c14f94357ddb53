import { AUTH_OPTIONS } from '../../catalogue';
import { z } from 'zod';
import { define, failure, result, TOOLS } from '../../mcp/tools';
import type { GrantProps } from '../../grant-props';
import { SCOPES } from '../../scopes';
import { UpstreamError } from '../../upstream/upstream-error';
import { endpointIssuedHere } from '../issued-here';
import type { AuthOption } from '../../auth-option';
import { providerSignIn } from '../provider-sign-in';
import { exchangeGithubCode, fetchGithubUser, githubAuthorizationUrl } from './github-api';
import { githubSettings } from './settings';

/**
 * Option 2: GitHub behind the Worker. This Worker is the MCP authorization server; GitHub (or the
 * Simulated GitHub) only signs the user in. The MCP client gets this Worker's token for its
 * endpoint; the GitHub token stays in the grant's encrypted props, and the `github_profile` tool
 * uses it to call GitHub's API for the user.
 */
const entry = AUTH_OPTIONS.github;

/** What a grant made through GitHub carries (encrypted; the GitHub token never leaves the Worker). */
export interface GithubGrantProps extends GrantProps {
  signedInWith: typeof entry.id;
  github: {
    login: string;
    /** The GitHub access token, used only to call `userUrl`. */
    accessToken: string;
    userUrl: string;
    provider: string;
  };
}

export const githubProfile = define({
  name: entry.ownTool.name,
  title: 'Your GitHub profile',
  description:
    'Calls the GitHub API as you, with the GitHub token this server keeps for you (it never leaves the server), and returns your profile. Needs the mcp:read scope.',
  input: {},
  output: {
    login: z.string().describe('Your GitHub login'),
    id: z.number().int().describe('Your GitHub user id'),
    name: z.string().nullable().describe('Your display name on GitHub, if you set one'),
    html_url: z.string().nullable().describe('Your profile page'),
    provider: z.string().describe('Which GitHub answered: GitHub or the Simulated GitHub'),
    fetched_from: z.string().describe('The API URL this server called'),
  },
  // Reads only, but from GitHub: outside this server (open world).
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: [SCOPES.read],
  async run(_args, { props }) {
    if (props.signedInWith !== entry.id) return failure('This grant was not made through GitHub.');
    const { provider, userUrl, accessToken } = (props as GithubGrantProps).github;
    try {
      const user = await fetchGithubUser({ name: provider, userUrl }, accessToken);
      const profile = { login: user.login, id: user.id, name: user.name, html_url: user.html_url ?? null, provider, fetched_from: userUrl };
      return result(profile);
    } catch (error) {
      if (error instanceof UpstreamError) return failure(`${error.publicDescription} Sign in again to refresh the GitHub token.`);
      throw error;
    }
  },
});

// #region github-option
export const githubOption: AuthOption = {
  id: entry.id,
  entry,
  endpoints: endpointIssuedHere(entry, [...TOOLS, githubProfile]),
  signIn: providerSignIn(entry, {
    async name(context) {
      return (await githubSettings(context)).name;
    },
    async authorizationUrl(context, attempt) {
      return githubAuthorizationUrl(await githubSettings(context), attempt);
    },
    async finish(context, { params, verifier, redirectUri }) {
      const github = await githubSettings(context);
      const code = params.get('code');
      if (!code) throw new UpstreamError('server_error', `${github.name} sent no code.`, 'callback without code');
      const accessToken = await exchangeGithubCode(github, { code, verifier, redirectUri });
      const user = await fetchGithubUser(github, accessToken);
      // Namespaced, so a simulated account never shares notes with a real GitHub user of the same id.
      const userId = `${github.simulated ? 'simulated-github' : 'github'}_${user.id}`;
      const props: GithubGrantProps = {
        signedInWith: entry.id,
        userId,
        userName: user.login,
        github: { login: user.login, accessToken, userUrl: github.userUrl, provider: github.name },
      };
      return { userId, userName: user.login, props };
    },
  }),
  async provider(context) {
    const { name, simulated } = await githubSettings(context);
    return { name, simulated };
  },
};
// #endregion github-option
