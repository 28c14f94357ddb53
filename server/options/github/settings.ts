import { ConfigurationError } from '../../config';
import { simulatedProvider, type ServerContext } from '../../context';

/**
 * Which GitHub this Worker talks to: github.com with the configured OAuth app, otherwise the
 * Simulated GitHub this Worker serves itself, if it serves one.
 */
export interface GithubSettings {
  /** How pages name it: "GitHub" or "Simulated GitHub". */
  name: string;
  simulated: boolean;
  authorizeUrl: string;
  tokenUrl: string;
  userUrl: string;
  clientId: string;
  clientSecret: string;
}

export async function githubSettings(context: ServerContext): Promise<GithubSettings> {
  const { env } = context;
  const clientId = env.GITHUB_CLIENT_ID?.trim();
  const clientSecret = env.GITHUB_CLIENT_SECRET?.trim();
  if (clientId && clientSecret) {
    return {
      name: 'GitHub',
      simulated: false,
      authorizeUrl: 'https://github.com/login/oauth/authorize',
      tokenUrl: 'https://github.com/login/oauth/access_token',
      userUrl: 'https://api.github.com/user',
      clientId,
      clientSecret,
    };
  }
  const simulated = simulatedProvider(context, 'github');
  if (clientId || clientSecret || !simulated) {
    throw new ConfigurationError(
      simulated
        ? 'Set both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (a GitHub OAuth app), or neither to use the Simulated GitHub.'
        : 'Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET: the client ID and secret of your GitHub OAuth app.',
    );
  }
  return { name: simulated.name, simulated: true, ...(await simulated.app(context)) };
}
