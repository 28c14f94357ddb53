import { AUTH_OPTIONS } from '../../catalogue';
import { secretOf } from '../../context';
import { streamableMcpEndpoint, tokensIssuedHere } from '../../mcp/endpoints';
import { sseMcpEndpoint } from '../../mcp/sse-endpoint';
import { TOOLS } from '../../mcp/tools';
import { consentPage } from '../../ui/consent-page';
import { errorPage, html, page } from '../../ui/html';
import { SERVER_INFO } from '../../server-info';
import { readForm } from '../../oauth/consent';
import { AUTHORIZE_PATH } from '../../oauth/authorization-server';
import { memo } from '../memo';
import type { AuthOption } from '../../auth-option';
import { clearLoginCsrfCookie, loginCsrfValid, newLoginCsrf, normaliseUserName, readSignIn, signInCookie, signOutCookie } from './sign-in-session';

/**
 * Option 1: the Worker is the authorization server and signs the user in itself. Here that is a
 * demo sign-in (any user name, no password: sign-in-session.ts is where real authentication plugs
 * in), then consent, then the Worker's own code. Its endpoints: Streamable HTTP, and legacy
 * HTTP+SSE for old clients.
 *
 *   POST /authorize/sign-in   the sign-in form (demo user name; CSRF double-submit), back to /authorize
 *   POST /authorize/sign-out  forget the sign-in, back to the same authorization request
 */
const entry = AUTH_OPTIONS.worker;
export const SIGN_IN_PATH = `${AUTHORIZE_PATH}/sign-in`;
export const SIGN_OUT_PATH = `${AUTHORIZE_PATH}/sign-out`;

// #region worker-option
export const workerOption: AuthOption = {
  id: entry.id,
  entry,
  // #region worker-endpoints
  endpoints: memo(({ origin, authorizationServer }) => {
    const validateToken = tokensIssuedHere(authorizationServer, entry.id);
    const endpoint = { origin, authorizationServers: [origin], validateToken, tools: TOOLS };
    const streamable = entry.endpoints['streamable-http'];
    const sse = entry.endpoints.sse;
    return new Map([
      [streamable, streamableMcpEndpoint({ ...endpoint, path: streamable, resourceName: 'Streamable HTTP' })],
      [sse, sseMcpEndpoint({ ...endpoint, path: sse, resourceName: 'legacy HTTP+SSE' })],
    ]);
  }),
  // #endregion worker-endpoints
  signIn: {
    async visitor(request, context) {
      const user = await readSignIn(request, secretOf(context));
      return user && { kind: 'user', ...user };
    },
    signInPage: (authorizeUrl) => signInPage(authorizeUrl),
    // #endregion worker-option
    async consentPage({ details, handle, visitor, authorizeUrl, headers }) {
      const userName = visitor.kind === 'user' ? visitor.userName : '';
      return consentPage({
        details,
        handle,
        action: entry.signIn.consentPath,
        question: html`Allow <q>${details.clientName}</q> to use ${SERVER_INFO.title} as ${userName}?`,
        approveLabel: 'Allow',
        rememberLabel: 'Remember this decision for this app (it will not ask again for these permissions)',
        footer: html`<form method="post" action="${SIGN_OUT_PATH}">
  <input type="hidden" name="continue" value="${authorizeUrl.pathname + authorizeUrl.search}">
  <footer class="muted">Signed in as <strong>${userName}</strong>. <button type="submit">Not you? Sign out</button></footer>
</form>`,
        headers,
      });
    },
    // #region worker-grant
    async proceed({ oauth, authRequest, visitor, headers }) {
      if (visitor.kind !== 'user') throw new Error('option 1 grants only to a signed-in user');
      const { userId, userName } = visitor;
      const { redirectTo } = await oauth.completeAuthorization({
        request: authRequest,
        userId,
        metadata: { userName },
        scope: authRequest.scope,
        props: { userId, userName, signedInWith: entry.id },
      });
      headers.set('Location', redirectTo);
      return new Response(null, { status: 302, headers });
    },
    // #endregion worker-grant
    routes: {
      [SIGN_IN_PATH]: (request, _oauth, context) => (request.method === 'POST' ? signIn(request, secretOf(context)) : notAllowed(request)),
      [SIGN_OUT_PATH]: (request) => (request.method === 'POST' ? signOut(request) : notAllowed(request)),
    },
  },
};

const notAllowed = async (request: Request) => errorPage(405, 'Method not allowed', `${request.method} is not supported here.`);

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
<h1>Sign in to ${SERVER_INFO.title}</h1>
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
