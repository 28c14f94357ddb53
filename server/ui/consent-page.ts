import type { ConsentDescription } from '@cloudflare/workers-oauth-provider';
import { SCOPE_DESCRIPTIONS } from '../scopes';
import { html, page, type RawHtml } from './html';

/**
 * The consent page every auth option shows (MCP authorization spec and security best practices):
 * the client's name (unverified unless it has a CIMD domain), its client_id, where the tokens
 * will go (the redirect URI's host, with a warning for loopback), and the scopes to tick. The form
 * carries only the library's single-use, browser-bound handle. What differs per option is said by
 * the caller: the question, what Allow leads to, and any extra rows or notes.
 */
export interface ConsentPageOptions {
  details: ConsentDescription;
  handle: string;
  /** Where the form posts. */
  action: string;
  /** The heading, e.g. "…to use this server as sam?". */
  question: RawHtml;
  approveLabel: string;
  rememberLabel: string;
  /** Extra rows for the details list, e.g. which provider you sign in with. */
  extraRows?: RawHtml;
  /** After the form: a sign-out form, or a note on why this page comes first. */
  footer?: RawHtml;
  headers: Headers;
}

export function consentPage(options: ConsentPageOptions): Response {
  const { details } = options;
  return page(
    `Allow ${details.clientName}?`,
    html`<span class="badge">Consent</span>
<h1>${options.question}</h1>
${
  details.clientDomain
    ? html`<p>Published by <strong>${details.clientDomain}</strong> (its client ID is a URL on that domain).</p>`
    : html`<p class="muted">This app registered itself, so its name is not verified.</p>`
}
<dl>
  <dt>App</dt><dd>${details.clientName}</dd>
  <dt>Client ID</dt><dd>${details.clientId}</dd>
  <dt>Sends you back to</dt><dd><strong>${details.redirectHost}</strong></dd>
  ${options.extraRows ?? ''}
</dl>
${
  details.redirectIsLoopback
    ? html`<p class="warning" role="note"><strong>This sends access to an app on your own computer.</strong> Any program on it could be listening, whatever name it gives; continue only if you just started signing in from it.</p>`
    : ''
}
<form method="post" action="${options.action}">
  <input type="hidden" name="handle" value="${options.handle}">
  <fieldset>
    <legend>It asks to</legend>
    ${
      details.scope.length > 0
        ? details.scope.map(
            (scope) =>
              html`<label><input type="checkbox" name="scope" value="${scope}" checked> <span><code>${scope}</code><br><small>${SCOPE_DESCRIPTIONS[scope] ?? 'A permission this server does not describe.'}</small></span></label>`,
          )
        : html`<p class="muted">No specific permissions.</p>`
    }
  </fieldset>
  <label><input type="checkbox" name="remember" value="yes"> <span>${options.rememberLabel}</span></label>
  <div class="actions">
    <button class="primary" type="submit" name="decision" value="approve">${options.approveLabel}</button>
    <button type="submit" name="decision" value="deny">Deny</button>
  </div>
</form>
${options.footer ?? ''}`,
    { headers: options.headers },
  );
}
