import { authorizationErrorRedirect, type AuthRequest, type ConsentDescription, type OAuthHelpers } from '@cloudflare/workers-oauth-provider';
import type { ServerEnv } from '../env';
import { readBodyText } from '../http/body';
import { randomToken, sha256Base64url } from '../jwt/base64url';
import { AUTHORIZE_PATH } from '../oauth/authorization-server';
import { consentPage } from '../ui/consent-page';
import { errorPage, html } from '../ui/html';
import { UpstreamError } from '../upstream/upstream-error';
import type { AuthOption, UpstreamSignIn } from './option';

/**
 * Signing in through another provider (options 2 and 3a), with the protections MCP's security
 * best practices require of a proxy (Confused Deputy → Mitigation):
 *
 *   GET  /authorize                  (oauth/authorize.ts) the request is for this option's resource:
 *                                    ask consent for *this MCP client* first, unless remembered
 *   POST /authorize/<name>           Allow: only now create `state` (single use, 10 min, bound to
 *                                    this browser by a __Host- cookie) and go to the provider;
 *                                    Deny: access_denied back to the client, with state and iss
 *   GET  /authorize/<name>/callback  recover the request from `state`, exchange the provider's
 *                                    code, verify who signed in, then issue this Worker's own code
 *
 * The provider's tokens go into the grant's encrypted props and never to the MCP client, which
 * gets only this Worker's tokens, bound to this option's resource.
 */
export const consentPath = (option: AuthOption) => `${AUTHORIZE_PATH}/${option.name}`;
export const callbackPath = (option: AuthOption) => `${AUTHORIZE_PATH}/${option.name}/callback`;

/** What `beginUpstream` keeps server-side for the callback (sealed; never sent to the provider). */
interface AttemptData {
  verifier: string;
  nonce: string;
}

const FORM_LIMIT = 16 * 1024;

/** GET /authorize for an upstream option: consent for this client, or straight on if it was remembered. */
export async function askUpstreamConsent(
  request: Request,
  oauth: OAuthHelpers,
  authRequest: AuthRequest,
  option: AuthOption & { signIn: UpstreamSignIn },
  env: ServerEnv,
  origin: string,
  secret: string,
): Promise<Response> {
  // No subject: the user is known only after the provider signs them in, so an approval belongs to
  // this browser, this client, its redirect URI, this resource and these scopes.
  if (await oauth.isConsentRemembered(request, authRequest, { secret })) {
    return redirectUpstream(oauth, authRequest, option, env, origin, new Headers());
  }
  const details = await oauth.describeConsent(authRequest); // before beginConsent: a failed lookup stores nothing
  const consent = await oauth.beginConsent(authRequest);
  return upstreamConsentPage(details, consent.handle, option, await option.signIn.providerName(env, origin), consent.headers);
}

/** POST /authorize/<name> and GET /authorize/<name>/callback. */
export async function handleUpstreamRoute(
  request: Request,
  oauth: OAuthHelpers,
  option: AuthOption & { signIn: UpstreamSignIn },
  env: ServerEnv,
  origin: string,
  secret: string,
): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === consentPath(option) && request.method === 'POST') return decide(request, oauth, option, env, origin, secret);
  if (pathname === callbackPath(option) && request.method === 'GET') return callback(request, oauth, option, env, origin);
  return errorPage(405, 'Method not allowed', `${request.method} is not supported here.`);
}

async function decide(request: Request, oauth: OAuthHelpers, option: AuthOption & { signIn: UpstreamSignIn }, env: ServerEnv, origin: string, secret: string) {
  const type = request.headers.get('content-type') ?? '';
  const form = type.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(await readBodyText(request, FORM_LIMIT)) : new URLSearchParams();
  const handle = form.get('handle') ?? '';
  if (form.get('decision') !== 'approve') {
    const denied = await oauth.denyConsent(request, handle);
    return new Response(null, { status: 302, headers: denied.headers });
  }
  const approved = await oauth.approveConsent(request, handle, {
    scope: form.getAll('scope'),
    ...(form.get('remember') === 'yes' && { remember: { secret } }),
  });
  if (approved.request.resource !== origin + option.mcpPath) {
    // A consent form of another sign-in posted here: the handle is used up, and nothing is granted.
    return errorPage(400, 'This form belongs to another sign-in', 'The consent form was sent to the wrong place. Start again from the app.');
  }
  return redirectUpstream(oauth, approved.request, option, env, origin, approved.headers);
}

/** Consent is given: now, and only now, create `state` and send the browser to the provider. */
async function redirectUpstream(
  oauth: OAuthHelpers,
  authRequest: AuthRequest,
  option: AuthOption & { signIn: UpstreamSignIn },
  env: ServerEnv,
  origin: string,
  headers: Headers,
): Promise<Response> {
  const data: AttemptData = { verifier: randomToken(32), nonce: randomToken(24) };
  const { state } = await oauth.beginUpstream(authRequest, { data, headers });
  try {
    const location = await option.signIn.authorizationUrl(env, origin, {
      state,
      codeChallenge: await sha256Base64url(data.verifier),
      nonce: data.nonce,
      redirectUri: origin + callbackPath(option),
    });
    headers.set('Location', location);
  } catch (failure) {
    // The provider's discovery document could not be read: the client's request is valid, so tell it.
    if (!(failure instanceof UpstreamError)) throw failure;
    console.warn(`upstream ${option.name}: ${failure.message}`);
    headers.set('Location', authorizationErrorRedirect(authRequest, failure.code, failure.publicDescription));
  }
  return new Response(null, { status: 302, headers });
}

/**
 * The provider sent the browser back. `finishUpstream` refuses a missing, forged, replayed or
 * expired state, or one started in another browser (an AuthorizationError: an error page here, no
 * redirect). From then on the client's request is known and validated, so failures go back to it.
 */
async function callback(request: Request, oauth: OAuthHelpers, option: AuthOption & { signIn: UpstreamSignIn }, env: ServerEnv, origin: string) {
  const resumed = await oauth.finishUpstream<AttemptData>(request);
  const { request: original, data, headers } = resumed;
  const params = new URL(request.url).searchParams;
  const backToClient = (code: UpstreamError['code'], description: string) => {
    headers.set('Location', authorizationErrorRedirect(original, code, description));
    return new Response(null, { status: 302, headers });
  };
  const provider = await option.signIn.providerName(env, origin);
  const error = params.get('error');
  if (error) {
    console.warn(`upstream ${option.name}: the provider answered error=${error.slice(0, 64)}`);
    if (error === 'access_denied') return backToClient('access_denied', `The sign-in at ${provider} was cancelled.`);
    return backToClient(error === 'temporarily_unavailable' ? 'temporarily_unavailable' : 'server_error', `${provider} could not sign you in.`);
  }
  try {
    const user = await option.signIn.finish(env, origin, { params, verifier: data.verifier, nonce: data.nonce, redirectUri: origin + callbackPath(option) });
    const { redirectTo } = await oauth.completeAuthorization({
      request: original,
      userId: user.userId,
      metadata: { userName: user.userName, signedInWith: user.props.signedInWith },
      scope: original.scope,
      props: user.props,
    });
    headers.set('Location', redirectTo);
    return new Response(null, { status: 302, headers });
  } catch (failure) {
    if (!(failure instanceof UpstreamError)) throw failure;
    // The detail (which check failed) is for the logs; the client gets the code and a safe sentence.
    console.warn(`upstream ${option.name}: ${failure.message}`);
    return backToClient(failure.code, failure.publicDescription);
  }
}

function upstreamConsentPage(details: ConsentDescription, handle: string, option: AuthOption, provider: string, headers: Headers): Response {
  return consentPage({
    details,
    handle,
    action: consentPath(option),
    question: html`Allow <q>${details.clientName}</q> to use MCP Auth Lab through your ${provider} account?`,
    approveLabel: `Continue to ${provider}`,
    rememberLabel: 'Remember this decision for this app in this browser',
    extraRows: html`<dt>You sign in with</dt><dd>${provider}</dd>`,
    footer: html`<p class="muted"><small>Why ask before ${provider} does: this server signs every app in through one client of its own there, and ${provider} may remember that it already said yes. Your answer here, per app, is what keeps another app from riding on that (the confused deputy problem).</small></p>`,
    headers,
  });
}
