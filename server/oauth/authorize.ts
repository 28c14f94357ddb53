import {
  AuthorizationError,
  CimdFetchError,
  type AuthRequest,
  type ConsentDescription,
  type OAuthHelpers,
} from '@cloudflare/workers-oauth-provider';
import { labSecret } from '../config';
import type { ServerEnv } from '../env';
import { BodyTooLargeError, readBodyText } from '../http/body';
import { BASELINE_SCOPES } from '../scopes';
import { OPTIONS, type AuthOption } from '../options/index';
import { askUpstreamConsent, callbackPath, consentPath, handleUpstreamRoute } from '../options/upstream-sign-in';
import { consentPage } from '../ui/consent-page';
import { errorPage, html, page } from '../ui/html';
import { AUTHORIZE_PATH, authorizationServerFor, MCP_PATHS } from './authorization-server';
import { fitsKvLookup } from './kv-key-limits';
import type { GrantProps } from './grant-props';
import {
  clearLoginCsrfCookie,
  loginCsrfValid,
  newLoginCsrf,
  normaliseUserName,
  readSignIn,
  signInCookie,
  signOutCookie,
  type SignedInUser,
} from './sign-in-session';

/**
 * The authorization endpoint of option 1: sign the user in, then ask for consent.
 *
 *   GET  /authorize          validate the request (client, redirect URI, PKCE, resource), then
 *                            show the sign-in page, or the consent page once signed in
 *   POST /authorize/sign-in  the sign-in form (demo user name; CSRF double-submit)
 *   POST /authorize/sign-out forget the sign-in, back to the same request
 *   POST /authorize          the consent form: Allow completes the grant and redirects with
 *                            code, state and iss (RFC 9207); Deny redirects with access_denied
 *
 * The library keeps the validated request server-side between GET and POST, bound to this
 * browser; the form carries only a single-use handle (the CSRF protection for consent).
 *
 * A request for the resource of an option that signs users in elsewhere (GitHub, an OpenID
 * provider) is handed to that option's flow instead: options/upstream-sign-in.ts, whose consent
 * and callback routes live under /authorize/<option>.
 */
export const SIGN_IN_PATH = `${AUTHORIZE_PATH}/sign-in`;
export const SIGN_OUT_PATH = `${AUTHORIZE_PATH}/sign-out`;
const FORM_LIMIT = 16 * 1024;

export async function handleAuthorize(request: Request, env: ServerEnv, origin: string): Promise<Response> {
  const url = new URL(request.url);
  const oauth = authorizationServerFor(origin).getOAuthApi(env);
  const secret = labSecret(env, origin);
  try {
    const upstream = upstreamOptions().find((option) => url.pathname === consentPath(option) || url.pathname === callbackPath(option));
    if (upstream) return await handleUpstreamRoute(request, oauth, upstream, env, origin, secret);
    if (url.pathname === AUTHORIZE_PATH && request.method === 'GET') return await showAuthorize(request, oauth, secret, env, origin);
    if (url.pathname === AUTHORIZE_PATH && request.method === 'POST') return await decideConsent(request, oauth, secret, origin);
    if (url.pathname === SIGN_IN_PATH && request.method === 'POST') return await signIn(request, secret);
    if (url.pathname === SIGN_OUT_PATH && request.method === 'POST') return await signOut(request);
    if ([AUTHORIZE_PATH, SIGN_IN_PATH, SIGN_OUT_PATH].includes(url.pathname)) {
      return errorPage(405, 'Method not allowed', `${request.method} is not supported here.`);
    }
    return errorPage(404, 'Not found', 'There is no page at this address.');
  } catch (error) {
    return authorizeErrorResponse(error);
  }
}

/** Which failures may go back to the client, and which must stay on our page (consent-page.md). */
function authorizeErrorResponse(error: unknown): Response {
  if (error instanceof AuthorizationError && error.redirectTo) {
    // The client and its exact redirect URI were validated: tell the client, with state and iss.
    return new Response(null, { status: 302, headers: { Location: error.redirectTo } });
  }
  if (error instanceof AuthorizationError) {
    return errorPage(
      400,
      'This authorization request cannot be used',
      error.description,
      'Nothing was sent back to the app, because its identity or return address could not be trusted. Start signing in again from the app.',
    );
  }
  if (error instanceof CimdFetchError) {
    return errorPage(
      400,
      'This app could not be verified',
      "The app's client ID is a URL, but its metadata document could not be fetched or is not valid.",
      'Client ID Metadata Documents must be served over HTTPS, list the redirect URI, and name the same client_id.',
    );
  }
  if (error instanceof BodyTooLargeError) return errorPage(413, 'Form too large', 'The submitted form is larger than this page accepts.');
  throw error;
}

const upstreamOptions = () => OPTIONS.filter((option): option is AuthOption & { signIn: NonNullable<AuthOption['signIn']> } => option.signIn !== undefined);

/** Option 1's own resources: the lab's sign-in grants tokens for these and no others. */
const signsInHere = (resource: string | undefined, origin: string) =>
  resource === origin + MCP_PATHS.streamableHttp || resource === origin + MCP_PATHS.sse;

async function showAuthorize(request: Request, oauth: OAuthHelpers, secret: string, env: ServerEnv, origin: string): Promise<Response> {
  if (!fitsKvLookup(new URL(request.url).searchParams.get('client_id'))) {
    throw new AuthorizationError('invalid_request', { description: 'Unknown client_id.' });
  }
  const authRequest = withDefaultScope(await oauth.parseAuthRequest(request));
  const upstream = upstreamOptions().find((option) => authRequest.resource === origin + option.mcpPath);
  if (upstream) return askUpstreamConsent(request, oauth, authRequest, upstream, env, origin, secret);
  const user = await readSignIn(request, secret);
  if (!user) return signInPage(new URL(request.url));
  const remember = { secret, subject: user.userId };
  if (await oauth.isConsentRemembered(request, authRequest, remember)) {
    return completeGrant(oauth, authRequest, user, new Headers());
  }
  const details = await oauth.describeConsent(authRequest); // before beginConsent: a failed lookup stores nothing
  const consent = await oauth.beginConsent(authRequest);
  return userConsentPage(details, consent.handle, user, new URL(request.url), consent.headers);
}

/** RFC 6749 §3.3: a request that names no scope gets the server's default, the baseline scope. */
function withDefaultScope(authRequest: AuthRequest): AuthRequest {
  return authRequest.scope.length > 0 ? authRequest : { ...authRequest, scope: [...BASELINE_SCOPES] };
}

async function readForm(request: Request): Promise<URLSearchParams> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams();
  return new URLSearchParams(await readBodyText(request, FORM_LIMIT));
}

async function decideConsent(request: Request, oauth: OAuthHelpers, secret: string, origin: string): Promise<Response> {
  const form = await readForm(request);
  const handle = form.get('handle') ?? '';
  const user = await readSignIn(request, secret);
  if (!user) {
    return errorPage(401, 'You are signed out', 'Your sign-in ended before you answered. Start again from the app.');
  }
  if (form.get('decision') !== 'approve') {
    const denied = await oauth.denyConsent(request, handle);
    denied.headers.set('Location', denied.redirectTo);
    return new Response(null, { status: 302, headers: denied.headers });
  }
  const approved = await oauth.approveConsent(request, handle, {
    scope: form.getAll('scope'),
    // "Remember" covers this client, its redirect URI and these scopes, for this user only.
    ...(form.get('remember') === 'yes' && { remember: { secret, subject: user.userId } }),
  });
  if (!signsInHere(approved.request.resource, origin)) {
    // Another option's consent form posted here: the lab's sign-in must not stand in for its provider.
    return errorPage(400, 'This form belongs to another sign-in', 'The consent form was sent to the wrong place. Start again from the app.');
  }
  return completeGrant(oauth, approved.request, user, approved.headers);
}

async function completeGrant(oauth: OAuthHelpers, authRequest: AuthRequest, user: SignedInUser, headers: Headers): Promise<Response> {
  const props: GrantProps = { userId: user.userId, userName: user.userName, signedInWith: 'worker' };
  const { redirectTo } = await oauth.completeAuthorization({
    request: authRequest,
    userId: user.userId,
    metadata: { userName: user.userName },
    scope: authRequest.scope,
    props,
  });
  headers.set('Location', redirectTo);
  return new Response(null, { status: 302, headers });
}

/** Only our own authorization URL may be continued to after signing in (no open redirect). */
function continueTarget(value: string | null): string | null {
  if (!value || !value.startsWith(`${AUTHORIZE_PATH}?`)) return null;
  return value;
}

async function signIn(request: Request, secret: string): Promise<Response> {
  const form = await readForm(request);
  const target = continueTarget(form.get('continue'));
  if (!target) return errorPage(400, 'Nothing to continue', 'The sign-in form did not come from an authorization request.');
  if (!loginCsrfValid(request, form.get('csrf') ?? '')) {
    return errorPage(403, 'Sign-in form expired', 'The form could not be verified (it expired or came from another site).', 'Go back to the app and start signing in again.');
  }
  const userName = normaliseUserName(form.get('username') ?? '');
  if (!userName) {
    return signInPage(new URL(target, request.url), 'Use 1–32 letters, digits, dots, dashes or underscores.');
  }
  const headers = new Headers({ Location: target });
  headers.append('Set-Cookie', await signInCookie({ userId: userName, userName }, secret));
  headers.append('Set-Cookie', clearLoginCsrfCookie());
  return new Response(null, { status: 303, headers });
}

async function signOut(request: Request): Promise<Response> {
  const form = await readForm(request);
  const headers = new Headers({ Location: continueTarget(form.get('continue')) ?? '/' });
  headers.append('Set-Cookie', signOutCookie());
  return new Response(null, { status: 303, headers });
}

function signInPage(authorizeUrl: URL, problem?: string): Response {
  const csrf = newLoginCsrf();
  const headers = new Headers({ 'Set-Cookie': csrf.cookie });
  return page(
    'Sign in',
    html`<span class="badge">Sign in</span>
<h1>Sign in to MCP Auth Lab</h1>
<p>An app wants to use this MCP server for you. First, say who you are.</p>
<p class="muted">This is a demo: any user name works and no password is asked. A real server authenticates the user here (password, passkey, or a single sign-on provider).</p>
<form method="post" action="${SIGN_IN_PATH}">
  <input type="hidden" name="csrf" value="${csrf.token}">
  <input type="hidden" name="continue" value="${authorizeUrl.pathname + authorizeUrl.search}">
  <label for="username" style="display:block">User name</label>
  <input type="text" id="username" name="username" value="learner" autocomplete="username" required maxlength="32" pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{0,31}" autofocus ${problem ? html`aria-invalid="true" aria-describedby="problem"` : ''}>
  ${problem ? html`<p id="problem" class="error">${problem}</p>` : ''}
  <div class="actions"><button class="primary" type="submit">Sign in</button></div>
</form>`,
    { status: problem ? 400 : 200, headers },
  );
}

function userConsentPage(details: ConsentDescription, handle: string, user: SignedInUser, authorizeUrl: URL, headers: Headers): Response {
  return consentPage({
    details,
    handle,
    action: AUTHORIZE_PATH,
    question: html`Allow <q>${details.clientName}</q> to use MCP Auth Lab as ${user.userName}?`,
    approveLabel: 'Allow',
    rememberLabel: 'Remember this decision for this app (it will not ask again for these permissions)',
    footer: html`<form method="post" action="${SIGN_OUT_PATH}">
  <input type="hidden" name="continue" value="${authorizeUrl.pathname + authorizeUrl.search}">
  <footer class="muted">Signed in as <strong>${user.userName}</strong>. <button type="submit">Not you? Sign out</button></footer>
</form>`,
    headers,
  });
}
