import { AUTH_OPTIONS } from '../../catalogue';
import { sha256Base64url } from '../../jwt/base64url';
import { z } from 'zod';
import { define, failure, result, TOOLS } from '../../mcp/tools';
import type { GrantProps } from '../../grant-props';
import { SCOPES } from '../../scopes';
import { checkCallbackIssuer, discover, exchangeOidcCode, fetchUserinfo, oidcAuthorizationUrl, verifyIdToken } from '../../upstream/oidc';
import { oidcProxySettings } from '../../upstream/providers';
import { UpstreamError } from '../../upstream/upstream-error';
import { endpointIssuedHere } from '../issued-here';
import type { AuthOption } from '../../auth-option';
import { providerSignIn } from '../provider-sign-in';

/**
 * Option 3a: your own identity provider, with this Worker as the proxy. This Worker stays the MCP
 * authorization server and federates sign-in to an OpenID provider (Auth0, Stytch, Cloudflare
 * Access, or the Simulated OIDC provider): discovery, authorization code with PKCE and a nonce,
 * then the ID token verified against the provider's JWKS (signature, iss, aud, azp, exp, nonce).
 * The MCP client gets this Worker's token for its endpoint; the provider's access token stays in the
 * grant's props, for the `oidc_userinfo` tool.
 */
const entry = AUTH_OPTIONS['oidc-proxy'];

/** What a grant made through the OpenID provider carries (encrypted). The ID token was verified at the callback. */
export interface OidcGrantProps extends GrantProps {
  signedInWith: typeof entry.id;
  oidc: {
    issuer: string;
    subject: string;
    provider: string;
    /** Claims from the verified ID token (no token itself). */
    claims: Record<string, unknown>;
    /** The provider's access token, for its userinfo endpoint only. */
    accessToken?: string;
  };
}

const KEPT_CLAIMS = ['sub', 'name', 'preferred_username', 'email', 'email_verified', 'auth_time'];

export const oidcUserinfo = define({
  name: entry.ownTool.name,
  title: 'Your profile at the identity provider',
  description:
    "Calls the identity provider's userinfo endpoint as you, with the access token this server keeps for you (it never leaves the server). Needs the mcp:read scope.",
  input: {},
  output: {
    provider: z.string().describe('The identity provider'),
    issuer: z.string().describe('Its issuer identifier'),
    userinfo_endpoint: z.string().describe('The userinfo endpoint this server called'),
    claims: z.looseObject({ sub: z.string().describe('Your subject at the provider, the same as in your ID token') }).describe('What the provider says about you (OpenID Connect claims)'),
  },
  // Reads only, but from the identity provider: outside this server (open world).
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: [SCOPES.read],
  async run(_args, { props }) {
    if (props.signedInWith !== entry.id) return failure('This grant was not made through the identity provider.');
    const { provider, issuer, subject, accessToken } = (props as OidcGrantProps).oidc;
    if (!accessToken) return failure(`${provider} gave this server no access token, so it cannot ask for userinfo.`);
    try {
      const metadata = await discover(provider, issuer);
      const claims = await fetchUserinfo(provider, metadata, accessToken);
      // OpenID Connect Core §5.3.2: userinfo must be about the user the ID token named.
      if (claims.sub !== subject) return failure(`${provider} answered about another user.`);
      // fetchUserinfo fails without a userinfo_endpoint, so it is there.
      const about = { provider, issuer, userinfo_endpoint: String(metadata.userinfo_endpoint), claims: { ...claims, sub: subject } };
      return result(about);
    } catch (error) {
      if (error instanceof UpstreamError) return failure(error.publicDescription);
      throw error;
    }
  },
});

export const oidcProxyOption: AuthOption = {
  id: entry.id,
  entry,
  endpoints: endpointIssuedHere(entry, [...TOOLS, oidcUserinfo]),
  signIn: providerSignIn(entry, {
    async name(context) {
      return (await oidcProxySettings(context)).name;
    },
    async authorizationUrl(context, attempt) {
      const settings = await oidcProxySettings(context);
      return oidcAuthorizationUrl(await discover(settings.name, settings.issuer), settings, attempt);
    },
    async finish(context, { params, verifier, nonce, redirectUri }) {
      const settings = await oidcProxySettings(context);
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
      const props: OidcGrantProps = {
        signedInWith: entry.id,
        userId,
        userName,
        oidc: { issuer: metadata.issuer, subject, provider: settings.name, claims: kept, ...(tokens.accessToken && { accessToken: tokens.accessToken }) },
      };
      return { userId, userName, props };
    },
  }),
  async provider(context) {
    const { name, simulated, issuer } = await oidcProxySettings(context);
    return { name, simulated, issuer };
  },
};
