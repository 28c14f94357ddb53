import { authorizationErrorRedirect, type AuthRequest, type OAuthHelpers } from '@cloudflare/workers-oauth-provider';
import type { AuthOptionEntry } from '../catalogue';
import type { ServerContext } from '../context';
import { FAILURE_PARAMETER, type FailureCode } from '../failure-codes';
import { randomToken, sha256Base64url } from '../jwt/base64url';
import type { GrantProps } from '../grant-props';
import { SERVER_INFO } from '../server-info';
import { consentPage } from '../ui/consent-page';
import { errorPage, html } from '../ui/html';
import { UpstreamError } from '../upstream/upstream-error';
import type { SignIn } from '../auth-option';

/**
 * Signing in through another provider (options 2 and 3a), with the protections MCP's security
 * best practices require of a proxy (Confused Deputy → Mitigation). /authorize runs the common
 * steps (oauth/authorize.ts); this is the provider's part:
 *
 *   consent                          for *this MCP client* first, unless remembered (per browser:
 *                                    the user is known only after the provider signs them in)
 *   proceed                          only now create `state` (single use, 10 min, bound to this
 *                                    browser by a __Host- cookie) and go to the provider
 *   GET <callbackPath>               recover the request from `state`, exchange the provider's
 *                                    code, verify who signed in, then issue this Worker's own code
 *
 * The provider's tokens go into the grant's encrypted props and never to the MCP client, which
 * gets only this Worker's tokens, bound to this option's resource.
 */

/** What an option needs from its provider. */
export interface Provider {
  /** How pages name it right now: "GitHub", "Simulated GitHub", "tenant.us.auth0.com". */
  name(context: ServerContext): Promise<string>;
  /** Where to send the browser for this attempt. `nonce` matters only to OpenID providers. */
  authorizationUrl(context: ServerContext, attempt: ProviderAttempt & { state: string; codeChallenge: string }): Promise<string>;
  /** At the callback: exchange the code and learn who signed in. Throws UpstreamError. */
  finish(context: ServerContext, callback: ProviderAttempt & { params: URLSearchParams; verifier: string }): Promise<SignedInThere>;
}

export interface ProviderAttempt {
  nonce: string;
  /** This Worker's callback for the provider, registered there. */
  redirectUri: string;
}

export interface SignedInThere {
  userId: string;
  userName: string;
  props: GrantProps;
}

/** What `beginUpstream` keeps server-side for the callback (sealed; never sent to the provider). */
interface AttemptData {
  verifier: string;
  nonce: string;
}

export function providerSignIn(entry: AuthOptionEntry & { signIn: { callbackPath: string } }, provider: Provider): SignIn {
  const callbackUrl = (context: ServerContext) => context.origin + entry.signIn.callbackPath;
  return {
    async visitor() {
      return { kind: 'browser' };
    },
    async consentPage({ details, handle, headers, context }) {
      const name = await provider.name(context);
      return consentPage({
        details,
        handle,
        action: entry.signIn.consentPath,
        question: html`Allow <q>${details.clientName}</q> to use ${SERVER_INFO.title} through your ${name} account?`,
        approveLabel: `Continue to ${name}`,
        rememberLabel: 'Remember this decision for this app in this browser',
        extraRows: html`<dt>You sign in with</dt><dd>${name}</dd>`,
        footer: html`<p class="muted"><small>Why ask before ${name} does: this server signs every app in through one client of its own there, and ${name} may remember that it already said yes. Your answer here, per app, is what keeps another app from riding on that (the confused deputy problem).</small></p>`,
        headers,
      });
    },
    /** Consent is given: now, and only now, create `state` and send the browser to the provider. */
    // #region state-after-consent
    async proceed({ oauth, authRequest, headers, context }) {
      const data: AttemptData = { verifier: randomToken(32), nonce: randomToken(24) };
      const { state } = await oauth.beginUpstream(authRequest, { data, headers });
      try {
        const location = await provider.authorizationUrl(context, {
          state,
          codeChallenge: await sha256Base64url(data.verifier),
          nonce: data.nonce,
          redirectUri: callbackUrl(context),
        });
        headers.set('Location', location);
      } catch (failure) {
        // The provider's discovery document could not be read: the client's request is valid, so tell it.
        if (!(failure instanceof UpstreamError)) throw failure;
        console.warn(`upstream ${entry.id}: ${failure.message}`);
        headers.set('Location', errorRedirect(authRequest, failure.code, failure.publicDescription, failure.failure));
      }
      return new Response(null, { status: 302, headers });
    },
    // #endregion state-after-consent
    routes: {
      [entry.signIn.callbackPath]: (request, oauth, context) =>
        request.method === 'GET' ? callback(request, oauth, context) : Promise.resolve(errorPage(405, 'Method not allowed', `${request.method} is not supported here.`)),
    },
  };

  /**
   * The provider sent the browser back. `finishUpstream` refuses a missing, forged, replayed or
   * expired state, or one started in another browser (an AuthorizationError: an error page, no
   * redirect). From then on the client's request is known and validated, so failures go back to it.
   */
  async function callback(request: Request, oauth: OAuthHelpers, context: ServerContext): Promise<Response> {
    const { request: original, data, headers } = await oauth.finishUpstream<AttemptData>(request);
    const params = new URL(request.url).searchParams;
    const backToClient = (code: UpstreamError['code'], description: string, failure?: FailureCode) => {
      headers.set('Location', errorRedirect(original, code, description, failure));
      return new Response(null, { status: 302, headers });
    };
    const name = await provider.name(context);
    const error = params.get('error');
    if (error) {
      console.warn(`upstream ${entry.id}: the provider answered error=${error.slice(0, 64)}`);
      if (error === 'access_denied') return backToClient('access_denied', `The sign-in at ${name} was cancelled.`, 'provider-cancelled');
      return backToClient(error === 'temporarily_unavailable' ? 'temporarily_unavailable' : 'server_error', `${name} could not sign you in.`);
    }
    try {
      const user = await provider.finish(context, { params, verifier: data.verifier, nonce: data.nonce, redirectUri: callbackUrl(context) });
      return await complete(oauth, original, user, headers);
    } catch (failure) {
      if (!(failure instanceof UpstreamError)) throw failure;
      // The detail (which check failed) is for the logs; the client gets the code and a safe sentence.
      console.warn(`upstream ${entry.id}: ${failure.message}`);
      return backToClient(failure.code, failure.publicDescription, failure.failure);
    }
  }
}

/**
 * The client's error redirect (RFC 6749 §4.1.2.1, with its state and iss), naming the failure's
 * kind in the extension parameter `failure` when there is one (server/failure-codes.ts): clients
 * ignore parameters they do not know, so `error` and `error_description` stay exactly as standard.
 */
function errorRedirect(request: AuthRequest, code: UpstreamError['code'], description: string, failure?: FailureCode): string {
  const location = new URL(authorizationErrorRedirect(request, code, description));
  // Appended, not set through searchParams, which would re-encode the rest of the query.
  if (failure) location.search += `&${FAILURE_PARAMETER}=${encodeURIComponent(failure)}`;
  return location.href;
}

async function complete(oauth: OAuthHelpers, original: AuthRequest, user: SignedInThere, headers: Headers): Promise<Response> {
  const { redirectTo } = await oauth.completeAuthorization({
    request: original,
    userId: user.userId,
    metadata: { userName: user.userName, signedInWith: user.props.signedInWith },
    scope: original.scope,
    props: user.props,
  });
  headers.set('Location', redirectTo);
  return new Response(null, { status: 302, headers });
}
