import { AuthorizationError, CimdFetchError, type AuthRequest, type OAuthHelpers } from '@cloudflare/workers-oauth-provider';
import { endpointPaths } from '../catalogue';
import { secretOf, type ServerContext } from '../context';
import { BodyTooLargeError } from '../http/body';
import type { AuthOption, SignIn } from '../auth-option';
import { BASELINE_SCOPES } from '../scopes';
import { errorPage } from '../ui/html';
import { AUTHORIZE_PATH } from './authorization-server';
import { askConsent, decideConsent } from './consent';
import { fitsKvLookup } from './kv-key-limits';

/**
 * The authorization endpoint, the same steps for every auth option; the request's `resource`
 * (RFC 8707) picks the option, and the option says who signs the user in (options/option.ts):
 *
 *   GET  /authorize               validate the request (client, redirect URI, PKCE, resource), then
 *                                 the option's sign-in page if it needs one, then consent (one
 *                                 decision for every option, oauth/consent.ts), then `proceed`
 *   POST <the option's consentPath>  the consent form: Allow → `proceed`, Deny → access_denied
 *   the option's own routes       a sign-in form (option 1), a provider's callback (options 2, 3a)
 *
 * Errors become responses in one place, `authorizeErrorResponse`: only those the library validated
 * may go back to the client.
 */
type SigningIn = AuthOption & { signIn: SignIn; entry: { signIn: { consentPath: string } } };

const signsInHere = (option: AuthOption): option is SigningIn => option.signIn !== undefined && option.entry.signIn !== undefined;

export async function handleAuthorize(request: Request, context: ServerContext, options: readonly AuthOption[]): Promise<Response> {
  const { pathname } = new URL(request.url);
  const oauth = context.authorizationServer.getOAuthApi(context.env);
  const signingIn = options.filter(signsInHere);
  try {
    for (const option of signingIn) {
      const route = option.signIn.routes?.[pathname];
      if (route) return await route(request, oauth, context);
    }
    const deciding = signingIn.find((option) => option.entry.signIn.consentPath === pathname && request.method === 'POST');
    if (deciding) return await decide(request, oauth, context, deciding);
    if (pathname === AUTHORIZE_PATH && request.method === 'GET') return await ask(request, oauth, context, signingIn);
    if (pathname === AUTHORIZE_PATH || signingIn.some((option) => option.entry.signIn.consentPath === pathname)) {
      return errorPage(405, 'Method not allowed', `${request.method} is not supported here.`);
    }
    return errorPage(404, 'Not found', 'There is no page at this address.');
  } catch (error) {
    return authorizeErrorResponse(error);
  }
}

// #region authorize-ask
async function ask(request: Request, oauth: OAuthHelpers, context: ServerContext, signingIn: SigningIn[]): Promise<Response> {
  const url = new URL(request.url);
  if (!fitsKvLookup(url.searchParams.get('client_id'))) {
    throw new AuthorizationError('invalid_request', { description: 'Unknown client_id.' });
  }
  const authRequest = withDefaultScope(await oauth.parseAuthRequest(request));
  const option = signingIn.find((candidate) => owns(candidate, context, authRequest));
  if (!option) {
    // The library accepted the resource, so it is one of this server's; no option signs users in for it.
    return errorPage(400, 'Nobody signs in here for this server', 'This authorization server issues no tokens for that resource.');
  }
  const visitor = await option.signIn.visitor(request, context);
  if (!visitor) return option.signIn.signInPage?.(url, context) ?? errorPage(401, 'Sign-in needed', 'Start again from the app.');
  const proceed = (approved: AuthRequest, headers: Headers) => option.signIn.proceed({ oauth, authRequest: approved, visitor, headers, context });
  return askConsent(request, oauth, authRequest, {
    remember: rememberFor(visitor, context),
    page: (details, handle, headers) => option.signIn.consentPage({ details, handle, visitor, authorizeUrl: url, headers, context }),
    proceed,
  });
}
// #endregion authorize-ask

async function decide(request: Request, oauth: OAuthHelpers, context: ServerContext, option: SigningIn): Promise<Response> {
  const visitor = await option.signIn.visitor(request, context);
  if (!visitor) return errorPage(401, 'You are signed out', 'Your sign-in ended before you answered. Start again from the app.');
  return decideConsent(request, oauth, {
    remember: rememberFor(visitor, context),
    decides: (authRequest) => owns(option, context, authRequest),
    proceed: (approved, headers) => option.signIn.proceed({ oauth, authRequest: approved, visitor, headers, context }),
  });
}

/** An option signs users in for its own endpoints' resources only. */
const owns = (option: AuthOption, context: ServerContext, authRequest: AuthRequest) =>
  endpointPaths(option.entry).some((path) => authRequest.resource === context.origin + path);

/**
 * "Remember" covers this client, its redirect URI, this resource and these scopes; for a user this
 * Worker signed in, that user only; before a provider has named the user, this browser.
 */
const rememberFor = (visitor: NonNullable<Awaited<ReturnType<SignIn['visitor']>>>, context: ServerContext) => ({
  secret: secretOf(context),
  ...(visitor.kind === 'user' && { subject: visitor.userId }),
});

/** RFC 6749 §3.3: a request that names no scope gets the server's default, the baseline scope. */
function withDefaultScope(authRequest: AuthRequest): AuthRequest {
  return authRequest.scope.length > 0 ? authRequest : { ...authRequest, scope: [...BASELINE_SCOPES] };
}

/** Which failures may go back to the client, and which must stay on our page. */
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
