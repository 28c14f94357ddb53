import { sha256Base64url } from '../jwt/base64url';
import { MCP_PATHS } from '../oauth/authorization-server';
import { streamableMcpEndpoint, tokensIssuedHere } from '../mcp/endpoints';
import { define, text, TOOLS } from '../mcp/tools';
import { SCOPES } from '../scopes';
import { checkCallbackIssuer, discover, exchangeOidcCode, fetchUserinfo, oidcAuthorizationUrl, verifyIdToken } from '../upstream/oidc';
import { oidcProxySettings } from '../upstream/providers';
import { UpstreamError } from '../upstream/upstream-error';
import { memo } from './memo';
import type { AuthOption } from './option';

/**
 * Option 3a: your own identity provider, with this Worker as the proxy. This Worker stays the MCP
 * authorization server and federates sign-in to an OpenID provider (Auth0, Stytch, Cloudflare
 * Access, or the Simulated OIDC provider): discovery, authorization code with PKCE and a nonce,
 * then the ID token verified against the provider's JWKS (signature, iss, aud, azp, exp, nonce).
 * The MCP client gets this Worker's token for /oidc/mcp; the provider's access token stays in the
 * grant's props, for the `oidc_userinfo` tool.
 */
const KEPT_CLAIMS = ['sub', 'name', 'preferred_username', 'email', 'email_verified', 'auth_time'];

const oidcUserinfo = define({
  name: 'oidc_userinfo',
  title: 'Your profile at the identity provider',
  description:
    "Calls the identity provider's userinfo endpoint as you, with the access token this server keeps for you (it never leaves the server).",
  input: {},
  requiredScopes: [SCOPES.read],
  async run(_args, { props }) {
    if (props.signedInWith !== 'oidc') return { ...text('This grant was not made through the identity provider.'), isError: true };
    const { provider, issuer, subject, accessToken } = props.oidc;
    if (!accessToken) return { ...text(`${provider} gave this server no access token, so it cannot ask for userinfo.`), isError: true };
    try {
      const metadata = await discover(provider, issuer);
      const claims = await fetchUserinfo(provider, metadata, accessToken);
      // OpenID Connect Core §5.3.2: userinfo must be about the user the ID token named.
      if (claims.sub !== subject) return { ...text(`${provider} answered about another user.`), isError: true };
      const about = { provider, issuer, userinfo_endpoint: metadata.userinfo_endpoint ?? null, claims };
      return text(JSON.stringify(about, null, 2), about);
    } catch (error) {
      if (error instanceof UpstreamError) return { ...text(error.publicDescription), isError: true };
      throw error;
    }
  },
});

export const oidcProxyOption: AuthOption = {
  name: 'oidc',
  mcpPath: MCP_PATHS.oidc,
  resourceServer: memo((_env, origin) =>
    streamableMcpEndpoint({
      origin,
      path: MCP_PATHS.oidc,
      resourceName: 'MCP Auth Lab — option 3a, your identity provider behind the Worker',
      authorizationServers: [origin],
      validateToken: tokensIssuedHere(origin, 'oidc'),
      tools: [...TOOLS, oidcUserinfo],
    }),
  ),
  signIn: {
    async providerName(env, origin) {
      return (await oidcProxySettings(env, origin)).name;
    },
    async authorizationUrl(env, origin, attempt) {
      const settings = await oidcProxySettings(env, origin);
      return oidcAuthorizationUrl(await discover(settings.name, settings.issuer), settings, attempt);
    },
    async finish(env, origin, { params, verifier, nonce, redirectUri }) {
      const settings = await oidcProxySettings(env, origin);
      const metadata = await discover(settings.name, settings.issuer);
      checkCallbackIssuer(metadata, params, settings.name);
      const code = params.get('code');
      if (!code) throw new UpstreamError('server_error', `${settings.name} sent no code.`, 'callback without code');
      const tokens = await exchangeOidcCode(metadata, settings, { code, verifier, redirectUri });
      const claims = await verifyIdToken(metadata, settings, tokens.idToken, nonce);
      const subject = String(claims.sub);
      // One user id per (issuer, subject), safe in KV keys whatever characters the provider's ids use.
      const userId = `oidc_${(await sha256Base64url(`${metadata.issuer} ${subject}`)).slice(0, 22)}`;
      const named = [claims.preferred_username, claims.name, claims.email].find((value) => typeof value === 'string' && value.trim());
      const userName = String(named ?? subject).slice(0, 64);
      const kept = Object.fromEntries(KEPT_CLAIMS.filter((name) => name in claims).map((name) => [name, claims[name]]));
      return {
        userId,
        userName,
        props: {
          signedInWith: 'oidc',
          userId,
          userName,
          oidc: { issuer: metadata.issuer, subject, provider: settings.name, claims: kept, ...(tokens.accessToken && { accessToken: tokens.accessToken }) },
        },
      };
    },
  },
};
