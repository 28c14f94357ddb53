import { SERVER_INFO } from '../../server-info';
import { html, page, type PageChrome } from '../../ui/html';
import type { SimulatedClient } from './clients';
import type { SigningKey } from './keys';
import { TOKEN_FAILURES, USERS } from './tokens';

/** The Simulated OIDC provider's own pages: sign-in with its consent, and an About page with its keys. */
export const OIDC_CHROME: PageChrome = {
  brand: 'Simulated OIDC provider',
  banner: html`<strong>Simulated OIDC provider</strong> — served by ${SERVER_INFO.title}, standing in for Auth0, Stytch, Cloudflare Access or any OpenID provider. No real account is used.`,
  note: `A simulation of an OpenID Connect provider served by ${SERVER_INFO.title}.`,
};

export const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are (your user id)',
  profile: 'Your name and user name',
  email: 'Your email address',
  'mcp:read': 'Use the MCP server’s tools as you',
  'mcp:write': 'Save notes with the save_note tool',
};

export interface AuthorizePageInput {
  basePath: string;
  client: SimulatedClient;
  redirectUri: string;
  scope: string[];
  resource?: string;
  query: string;
  csrf: string;
  signedInAs?: string;
}

export function authorizePage(input: AuthorizePageInput, headers: Headers): Response {
  const { client } = input;
  return page(
    `Sign in to continue to ${client.clientName}`,
    html`<span class="badge">Sign in and consent</span>
<h1>Sign in to continue to <q>${client.clientName}</q></h1>
${client.builtIn ? html`<p class="muted">A first-party application of this provider.</p>` : html`<p class="muted">This application registered itself (dynamic registration); its name is not verified.</p>`}
<form method="post" action="${input.basePath}/authorize">
  <input type="hidden" name="csrf" value="${input.csrf}">
  <input type="hidden" name="request" value="${input.query}">
  <fieldset class="choices">
    <legend>1. Sign in as</legend>
    ${USERS.map(
      (user, i) =>
        html`<label><input type="radio" name="login" value="${user.login}" ${input.signedInAs === user.login || (!input.signedInAs && i === 0) ? 'checked' : ''}> <span><strong>${user.name}</strong> <small>${user.email}</small></span></label>`,
    )}
  </fieldset>
  <fieldset>
    <legend>2. Allow it to</legend>
    ${input.scope.map((scope) => html`<label><span><code>${scope}</code><br><small>${SCOPE_TEXT[scope] ?? ''}</small></span></label>`)}
  </fieldset>
  <dl>
    <dt>Client ID</dt><dd>${client.clientId}</dd>
    <dt>Sends you back to</dt><dd><strong>${new URL(input.redirectUri).host}</strong></dd>
    ${input.resource ? html`<dt>For the API</dt><dd>${input.resource}</dd>` : ''}
  </dl>
  <fieldset class="choices">
    <legend>Make it fail (for learning)</legend>
    ${Object.entries(TOKEN_FAILURES).map(
      ([value, label]) => html`<label><input type="radio" name="failure" value="${value}" ${value === 'none' ? 'checked' : ''}> <span>${label}</span></label>`,
    )}
  </fieldset>
  <div class="actions">
    <button class="primary" type="submit" name="decision" value="allow">Allow</button>
    <button type="submit" name="decision" value="cancel">Cancel</button>
  </div>
</form>`,
    { headers, chrome: OIDC_CHROME },
  );
}

export function landingPage(input: { basePath: string; issuer: string; keys: SigningKey[]; csrf: string; rotated?: boolean }, headers: Headers): Response {
  const [current, ...previous] = input.keys;
  return page(
    'Simulated OIDC provider',
    html`<span class="badge">About</span>
<h1>Simulated OIDC provider</h1>
<p>${SERVER_INFO.title} signs users in here when no <code>OIDC_ISSUER</code> is configured: as an upstream identity provider (the Worker is its client) or as a separate authorization server that MCP clients use directly.</p>
<dl>
  <dt>Issuer</dt><dd>${input.issuer}</dd>
  <dt>Discovery</dt><dd>${input.issuer}/.well-known/openid-configuration</dd>
  <dt>Signing key</dt><dd>${current.kid} (ES256, generation ${current.generation})</dd>
  ${previous.map((key) => html`<dt>Still published</dt><dd>${key.kid} (generation ${key.generation}, retired)</dd>`)}
</dl>
${input.rotated ? html`<p role="status"><strong>Rotated.</strong> New tokens are signed with the new key; the previous one stays in the JWKS for an hour, so tokens it signed keep working.</p>` : ''}
<form method="post" action="${input.basePath}/keys/rotate">
  <input type="hidden" name="csrf" value="${input.csrf}">
  <p class="muted">Rotating makes the provider sign with a new key. Resource servers that cached the old key set meet an unknown <code>kid</code> and fetch the JWKS again.</p>
  <div class="actions"><button type="submit">Rotate signing keys</button></div>
</form>
<form method="post" action="${input.basePath}/logout"><footer class="muted">Signed-in sessions and remembered consent live in a cookie. <button type="submit">Sign out of the provider</button></footer></form>`,
    { headers, chrome: OIDC_CHROME },
  );
}
