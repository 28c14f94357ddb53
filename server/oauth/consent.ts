import type { AuthRequest, OAuthHelpers, RememberConsentOptions } from '@cloudflare/workers-oauth-provider';
import { readBodyText } from '../http/body';
import { errorPage } from '../ui/html';

/**
 * The consent decision, the same for every auth option (server/oauth/authorize.ts calls it with
 * the option's page and next step). The library keeps the validated request server-side between
 * the page and the answer, bound to this browser; the form carries only a single-use handle, which
 * is the consent form's CSRF protection.
 */
const FORM_LIMIT = 16 * 1024;

/** A form post's fields (urlencoded only; anything else reads as an empty form), at most 16 KiB. */
export async function readForm(request: Request): Promise<URLSearchParams> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams();
  return new URLSearchParams(await readBodyText(request, FORM_LIMIT));
}

type Proceed = (authRequest: AuthRequest, headers: Headers) => Promise<Response>;

/** GET /authorize: straight on when this consent was remembered, else the consent page. */
export async function askConsent(
  request: Request,
  oauth: OAuthHelpers,
  authRequest: AuthRequest,
  step: { remember: RememberConsentOptions; page(details: Awaited<ReturnType<OAuthHelpers['describeConsent']>>, handle: string, headers: Headers): Promise<Response>; proceed: Proceed },
): Promise<Response> {
  if (await oauth.isConsentRemembered(request, authRequest, step.remember)) return step.proceed(authRequest, new Headers());
  const details = await oauth.describeConsent(authRequest); // before beginConsent: a failed lookup stores nothing
  const consent = await oauth.beginConsent(authRequest);
  return step.page(details, consent.handle, consent.headers);
}

/**
 * The consent form's answer. Deny: access_denied back to the client (with its state and iss).
 * Allow: the scopes the user left ticked, remembered if asked, and only for a request this form
 * may decide (`decides`): a consent form of another option posted here grants nothing.
 */
// #region consent-decision
export async function decideConsent(
  request: Request,
  oauth: OAuthHelpers,
  step: { remember: RememberConsentOptions; decides(authRequest: AuthRequest): boolean; proceed: Proceed },
): Promise<Response> {
  const form = await readForm(request);
  const handle = form.get('handle') ?? '';
  if (form.get('decision') !== 'approve') {
    const denied = await oauth.denyConsent(request, handle);
    denied.headers.set('Location', denied.redirectTo);
    return new Response(null, { status: 302, headers: denied.headers });
  }
  const approved = await oauth.approveConsent(request, handle, {
    scope: form.getAll('scope'),
    ...(form.get('remember') === 'yes' && { remember: step.remember }),
  });
  if (!step.decides(approved.request)) {
    return errorPage(400, 'This form belongs to another sign-in', 'The consent form was sent to the wrong place. Start again from the app.');
  }
  return step.proceed(approved.request, approved.headers);
}
// #endregion consent-decision
