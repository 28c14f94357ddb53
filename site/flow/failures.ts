import { FAILURE_PARAMETER, type FailureCode } from '../../server/failure-codes';
import type { Sent } from './capture';
import { parseBearerChallenge } from './challenge';
import type { FlowFailure } from './types';

/**
 * Failures that teach: what a learner sees when a step fails. Each entry says what probably went
 * wrong and how to fix it, with the spec section behind it; `explain` adds what the server (or the
 * browser) actually said, verbatim. Entries with `when` are chosen by what was observed — status,
 * OAuth error, and the server's failure code, never its English — first match wins; the others are
 * raised by name where the engine detects them.
 */
interface Entry {
  id: string;
  /** What must have been observed: the HTTP status, the OAuth error, the server's failure code (server/failure-codes.ts). */
  when?: { status?: number | null; error?: string; failure?: FailureCode };
  title: string;
  cause: string;
  fix: string;
  spec: { label: string; href: string };
  /** More sections behind it, when one does not say it all. */
  seeAlso?: readonly { label: string; href: string }[];
}

const RFC = (rfc: number, section: string) => ({ label: `RFC ${rfc} §${section}`, href: `https://www.rfc-editor.org/rfc/rfc${rfc}#section-${section}` });
const MCP_AUTH = (label: string, anchor: string, revision = '2025-11-25') => ({
  label: `MCP authorization: ${label}`,
  href: `https://modelcontextprotocol.io/specification/${revision}/basic/authorization#${anchor}`,
});

export const FAILURES = [
  // What the HTTP answer shows.
  {
    id: 'network',
    when: { status: null },
    title: 'The request got no answer',
    cause: 'The browser refused to show the page the response (a CORS refusal looks exactly like this), or the server could not be reached at all.',
    fix: 'Open the lab from the same origin as the server, or add your page’s origin to the server’s ALLOWED_ORIGINS. Check that the server is running and the URL is right.',
    spec: { label: 'Fetch standard: CORS protocol', href: 'https://fetch.spec.whatwg.org/#http-cors-protocol' },
  },
  {
    id: 'rate-limited',
    when: { status: 429, failure: 'rate-limited' },
    title: 'Too many requests from your network address',
    cause: 'This lab is public, so it limits how many clients can be registered, and how many traces started, from one network address each minute: otherwise anyone could fill its storage. Everyone who shares your address counts together (a school, an office, a workshop’s Wi-Fi, a mobile network), and that allowance is used up for now. The server answered 429 Too Many Requests, and its Retry-After header says how long to wait.',
    fix: 'Wait until the time Retry-After gives has passed, then press Run again. A real client does the same: it reads Retry-After and tries again after it, not at once. Running the lab yourself (npm run dev) gives you an allowance of your own.',
    spec: RFC(6585, '4'),
    seeAlso: [RFC(9110, '10.2.3')],
  },
  {
    id: 'bad-origin',
    when: { status: 403, failure: 'origin-not-allowed' },
    title: 'The MCP server refused this page’s Origin',
    cause: 'Browsers send an Origin header, and MCP servers must refuse origins they do not trust, so a malicious web page cannot drive a server on your machine (DNS rebinding).',
    fix: 'Run the flow from a page on the server’s own origin, or add this page’s origin to ALLOWED_ORIGINS in the server’s configuration.',
    spec: { label: 'MCP transports: security warning', href: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#security-warning' },
  },
  {
    id: 'invalid-grant-pkce',
    when: { error: 'invalid_grant', failure: 'pkce-verifier-mismatch' },
    title: 'The code_verifier does not match the code_challenge',
    cause: 'The authorization server hashed the code_verifier sent with the token request and got something other than the code_challenge sent with the authorization request. That is PKCE doing its job: only the client that started the flow can redeem the code.',
    fix: 'Keep the verifier from the authorization request and send that same value to the token endpoint, with the S256 challenge computed from it.',
    spec: RFC(7636, '4.6'),
  },
  {
    id: 'invalid-grant-replayed',
    when: { error: 'invalid_grant', failure: 'code-replayed' },
    title: 'The authorization code was used twice',
    cause: 'An authorization code is single-use. A second redemption looks like a stolen code being replayed, so the server refuses it, and should revoke the tokens it already issued from that code (this lab’s Worker does; a provider issuing self-contained JWTs cannot take them back before they expire).',
    fix: 'Redeem each code exactly once and keep the tokens you got. If a token request may have failed in transit, start a new authorization rather than retrying the code.',
    spec: RFC(6749, '4.1.2'),
  },
  {
    id: 'invalid-grant',
    when: { error: 'invalid_grant' },
    title: 'The grant was refused',
    cause: 'The code or refresh token is unknown, expired, already used, revoked, or was issued to another client or redirect URI.',
    fix: 'Start the authorization again to get a fresh code. For a refresh token: use the newest one the server returned, since rotation replaces it.',
    spec: RFC(6749, '5.2'),
  },
  {
    id: 'invalid-target',
    when: { error: 'invalid_target' },
    title: 'The authorization server does not know that resource',
    cause: 'The `resource` parameter names a server this authorization server does not issue tokens for, or is not its exact canonical URL (scheme, host, port and path must match).',
    fix: 'Send as `resource` the exact `resource` value from the server’s protected resource metadata.',
    spec: RFC(8707, '2'),
  },
  {
    id: 'invalid-client',
    when: { error: 'invalid_client' },
    title: 'The authorization server does not know this client',
    cause: 'The client_id was never registered here, was deleted, or belongs to another authorization server; client ids are only valid where they were issued.',
    fix: 'Register again (dynamic registration), or use the client_id issued by this authorization server.',
    spec: RFC(6749, '5.2'),
  },
  {
    id: 'upstream-denied',
    when: { error: 'access_denied', failure: 'provider-cancelled' },
    title: 'The sign-in was cancelled at the provider',
    cause: 'The user pressed Cancel on the provider’s page. The provider sent the browser back to the Worker’s callback with error=access_denied; the Worker, which still held this client’s request, passed the refusal on to the client’s callback with the client’s own state and the Worker’s iss. The provider’s answer never reaches the client directly.',
    fix: 'Nothing is broken: run the flow again and authorize at the provider. A real client should say that sign-in was cancelled, and offer to try again.',
    spec: RFC(6749, '4.1.2.1'),
  },
  {
    id: 'access-denied',
    when: { error: 'access_denied' },
    title: 'The user said no',
    cause: 'The authorization server asked the user whether this client may act for them, and the user refused (Deny, or Cancel on a provider’s page). The server sent the browser back with error=access_denied and no code.',
    fix: 'Nothing is broken: run the flow again and press Allow. A real client should say that access was not granted, and offer to try again.',
    spec: RFC(6749, '4.1.2.1'),
  },
  {
    id: 'upstream-unavailable',
    when: { error: 'temporarily_unavailable' },
    title: 'The provider could not finish the sign-in',
    cause: 'The user signed in at the provider, but when the Worker called the provider on the back channel to exchange its code, the provider failed (an HTTP 5xx, or no answer). Without the provider’s answer the Worker cannot vouch for the user, so it sent this client temporarily_unavailable, with the client’s state and its iss.',
    fix: 'Try again later: this error says the same request may work then. In the lab, run the flow again without “Make it fail” on the provider’s page.',
    spec: RFC(6749, '4.1.2.1'),
  },
  {
    id: 'id-token-rejected',
    when: { error: 'server_error', failure: 'id-token-rejected' },
    title: 'The Worker rejected the provider’s ID token',
    cause: 'The provider answered the Worker’s code exchange with an ID token, and the Worker checked it as OpenID Connect requires: the signature against the provider’s published keys, iss, aud and azp (its own client ID), exp, and the nonce it sent. One check failed (a tampered signature, another audience or issuer, an expired token, another nonce), so the Worker signed no one in and sent this client server_error, with its state and iss. Which check failed is in the Worker’s log, never on the wire.',
    fix: 'Nothing to fix in the client. With a real provider, check OIDC_ISSUER and OIDC_CLIENT_ID and the server’s clock; in the lab, run again without “Make it fail”.',
    spec: { label: 'OpenID Connect Core §3.1.3.7', href: 'https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation' },
  },
  {
    id: 'upstream-refused',
    when: { error: 'server_error', failure: 'provider-refused-code' },
    title: 'The provider refused the Worker’s code',
    cause: 'On the back channel, the Worker presented the provider’s code with its client secret and PKCE verifier, and the provider refused it (GitHub says so with HTTP 200 and an error field; OpenID providers with invalid_grant). The Worker told this client server_error, with its state and iss.',
    fix: 'With a real provider, check the client ID and secret the Worker is configured with, and the callback URL registered there. In the lab, run again without “Make it fail”.',
    spec: RFC(6749, '5.2'),
  },
  {
    id: 'server-error',
    when: { error: 'server_error' },
    title: 'The authorization server could not finish',
    cause: 'The authorization server met a problem it could not get past and sent the browser back with server_error instead of a code. When it signs users in through another provider, the problem is often there: its answer could not be read or trusted.',
    fix: 'Read error_description. If it names the provider, check the provider’s configuration; otherwise try again.',
    spec: RFC(6749, '4.1.2.1'),
  },
  {
    id: 'invalid-scope',
    when: { error: 'invalid_scope' },
    title: 'The requested scope is not available',
    cause: 'The client asked for a scope this authorization server does not know or will not grant to this client.',
    fix: 'Ask for scopes from the challenge’s `scope` or the metadata’s `scopes_supported`.',
    spec: RFC(6749, '4.1.2.1'),
  },
  {
    id: 'insufficient-scope',
    when: { error: 'insufficient_scope' },
    title: 'The token does not carry the scope this call needs',
    cause: 'The MCP server accepted the token but this operation needs more (here, mcp:write to save a note). Its 403 names the scopes it needs in WWW-Authenticate.',
    fix: 'Step up: authorize again asking for the scopes you have plus the ones the challenge names, then retry the call with the new token.',
    spec: MCP_AUTH('scope challenge handling', 'scope-challenge-handling'),
  },
  {
    id: 'invalid-token',
    when: { error: 'invalid_token' },
    title: 'The MCP server refused the access token',
    cause: 'The token is expired, revoked, or was issued for another resource (audience): a token for /mcp is not valid at /sse. A JWT access token from another authorization server is also refused when its signature, issuer or type does not check out against that server’s published keys.',
    fix: 'Refresh it, or authorize again with `resource` set to this server’s URL.',
    spec: RFC(6750, '3.1'),
  },

  // Raised by the engine where it sees them.
  {
    id: 'no-resource-metadata',
    title: 'No protected resource metadata',
    cause: 'The 401 did not say where the metadata is (no `resource_metadata` in WWW-Authenticate), and none was found at the well-known addresses either, so the client cannot learn which authorization server to use.',
    fix: 'Serve RFC 9728 metadata at /.well-known/oauth-protected-resource/<path> and name it in the 401’s WWW-Authenticate header.',
    spec: RFC(9728, '5.1'),
  },
  {
    id: 'no-authorization-server',
    title: 'The metadata names no authorization server',
    cause: 'Protected resource metadata must list at least one authorization server in `authorization_servers`; without it the client has nowhere to go.',
    fix: 'Add the issuer URL of your authorization server to `authorization_servers`.',
    spec: MCP_AUTH('authorization server location', 'authorization-server-location'),
  },
  {
    id: 'no-as-metadata',
    title: 'No authorization server metadata',
    cause: 'None of the well-known metadata addresses derived from the issuer answered with a document.',
    fix: 'Serve RFC 8414 metadata at /.well-known/oauth-authorization-server (with the issuer’s path appended, if it has one).',
    spec: RFC(8414, '3.1'),
  },
  {
    id: 'dcr-unsupported',
    title: 'This authorization server does not offer dynamic registration',
    cause: 'Its metadata has no `registration_endpoint`.',
    fix: 'Use a pre-registered client, or a Client ID Metadata Document if the server supports one.',
    spec: MCP_AUTH('client registration approaches', 'client-registration-approaches'),
  },
  {
    id: 'cimd-unsupported',
    title: 'This authorization server does not accept Client ID Metadata Documents',
    cause: 'Its metadata does not set `client_id_metadata_document_supported` to true.',
    fix: 'Use dynamic registration or a pre-registered client instead.',
    spec: MCP_AUTH('client ID metadata documents', 'client-id-metadata-documents'),
  },
  {
    id: 'cimd-needs-https',
    title: 'A Client ID Metadata Document needs an https URL',
    cause: 'With a metadata document, the client_id is the document’s URL, and it must use https: the authorization server fetches it to learn who the client is, and over plain http anyone on the path could change that answer. This lab page runs on http, so its URL cannot be a client_id, and the authorization server would refuse it.',
    fix: 'Deploy the lab (workers.dev is https), or run it locally over https with a trusted development certificate. Here, pick dynamic registration or the pre-registered client.',
    spec: MCP_AUTH('client ID metadata documents', 'client-id-metadata-documents'),
  },
  {
    id: 'popup-blocked',
    title: 'The browser blocked the sign-in window',
    cause: 'Browsers only let a page open a window straight from a click. The window has to be opened inside the click handler, before anything is awaited.',
    fix: 'Press the button again, or allow pop-ups for this site.',
    spec: { label: 'HTML: user activation', href: 'https://html.spec.whatwg.org/multipage/interaction.html#tracking-user-activation' },
  },
  {
    id: 'window-closed',
    title: 'The sign-in window was closed',
    cause: 'The window closed before the authorization server sent the browser back to the callback, so there is no code to redeem.',
    fix: 'Run the authorization step again and finish it in the window: sign in, then Allow or Deny.',
    spec: RFC(6749, '4.1'),
  },
  {
    id: 'no-refresh-token',
    title: 'There is no refresh token',
    cause: 'The authorization server did not issue one with the access token. It may choose not to: clients must not assume they get one.',
    fix: 'When the access token expires, send the user through authorization again.',
    spec: MCP_AUTH('refresh tokens', 'refresh-tokens', '2026-07-28'),
  },
  {
    id: 'no-revocation-endpoint',
    title: 'This authorization server offers no revocation endpoint',
    cause: 'Its metadata has no `revocation_endpoint`, so the client cannot tell it to forget a token.',
    fix: 'Drop the tokens locally; they stop working when they expire.',
    spec: RFC(8414, '2'),
  },
  {
    id: 'replay-accepted',
    title: 'The server redeemed the same code twice',
    cause: 'The authorization server accepted a code that had already been used. A stolen code could then be redeemed by an attacker.',
    fix: 'The authorization server must deny a second use of a code and should revoke the tokens issued from it.',
    spec: RFC(6749, '4.1.2'),
  },
  {
    id: 'attack-accepted',
    title: 'The attack worked: the server did not refuse it',
    cause: 'The server answered the attacker’s request as if it were legitimate, where the lab expected a refusal.',
    fix: 'See the attack lab’s explanation and the spec clause: the server must refuse this request.',
    spec: { label: 'MCP authorization (2026-07-28): security considerations', href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#security-considerations' },
  },
  {
    id: 'revocation-ignored',
    title: 'The revoked token still works',
    cause: 'After a successful revocation request, the MCP server still accepted the token.',
    fix: 'Resource servers must check tokens against the authorization server’s current state (or keep access tokens short-lived).',
    spec: RFC(7009, '2.2'),
  },
  {
    id: 'json-rpc-error',
    title: 'The MCP server answered with an error',
    cause: 'The HTTP request was authorized, but the MCP server could not carry out the JSON-RPC request.',
    fix: 'Read the error message: the method or the parameters were probably wrong.',
    spec: { label: 'JSON-RPC 2.0: error object', href: 'https://www.jsonrpc.org/specification#error_object' },
  },
  {
    id: 'tool-error',
    title: 'The tool reported an error',
    cause: 'The call reached the tool, which ran and said it failed (`isError: true`), usually because of its arguments.',
    fix: 'Check the arguments against the tool’s inputSchema from tools/list.',
    spec: { label: 'MCP tools: error handling', href: 'https://modelcontextprotocol.io/specification/2025-11-25/server/tools#error-handling' },
  },

  // A check the client makes failed (the check itself says what was compared).
  {
    id: 'check-state',
    title: 'The callback’s state is not the one this client sent',
    cause: 'This callback was not started by this client: a forged or replayed response, the CSRF attack that `state` exists to stop. The code in it is never sent anywhere.',
    fix: 'Nothing to fix in the client: it did the right thing. Start a new authorization.',
    spec: RFC(6749, '10.12'),
  },
  {
    id: 'check-iss',
    title: 'The response came from another authorization server',
    cause: 'The callback’s `iss` is not the issuer this client sent the user to. Another server’s response was injected into this flow (a mix-up attack), so the code must not be redeemed.',
    fix: 'Nothing to fix in the client: it refused the code. Start a new authorization.',
    spec: RFC(9207, '2.4'),
  },
  {
    id: 'check-issuer-match',
    title: 'The metadata claims another issuer',
    cause: 'The `issuer` inside the authorization server metadata differs from the issuer it was fetched for. A client must not use such a document: it could send users and codes to an impostor.',
    fix: 'The authorization server must publish its own issuer URL, exactly as clients discover it.',
    spec: RFC(8414, '3.3'),
  },
  {
    id: 'check-s256',
    title: 'The authorization server does not advertise PKCE S256',
    cause: 'Without `S256` in `code_challenge_methods_supported`, the client cannot rely on PKCE, and MCP clients must refuse to continue.',
    fix: 'The authorization server must support PKCE with S256 and say so in its metadata.',
    spec: MCP_AUTH('authorization code protection', 'authorization-code-protection'),
  },
  {
    id: 'check-resource-sent',
    title: 'The client did not say which server the token is for',
    cause: 'MCP clients must send `resource` on both the authorization and the token request. Without it the authorization server has to guess the audience; this one picked its default, others issue a token any of their servers would accept.',
    fix: 'Send `resource=<the MCP server URL>` on both requests.',
    spec: MCP_AUTH('resource parameter implementation', 'resource-parameter-implementation'),
  },
  {
    id: 'check-audience',
    title: 'The metadata describes another resource',
    cause: 'The `resource` in the protected resource metadata is not the URL the client is connecting to, so the metadata (and its authorization servers) cannot be trusted for this server.',
    fix: 'The server must publish metadata whose `resource` is exactly its own URL.',
    spec: RFC(9728, '3.3'),
  },
  {
    id: 'check-token-audience',
    title: 'The access token names another audience',
    cause: 'The JWT access token’s aud is not this MCP server, so the authorization server did not issue it for this server: it ignored the resource parameter, or is configured with another audience.',
    fix: 'Send resource on both requests; on the provider, register the MCP server’s URL as the API’s identifier (or configure the server to expect the provider’s audience).',
    spec: RFC(9068, '3'),
  },
  {
    id: 'server-failed',
    when: { status: 500 },
    title: 'The server failed',
    cause: 'The server answered HTTP 500: something went wrong on its side, not in this request.',
    fix: 'Try again later. In the lab, a provider fails like this when asked to on its page (“Make it fail”).',
    spec: { label: 'HTTP semantics: 500 Internal Server Error', href: 'https://www.rfc-editor.org/rfc/rfc9110#section-15.6.1' },
  },
  {
    id: 'unexpected-response',
    title: 'An unexpected answer',
    cause: 'The server answered with a status this step does not expect.',
    fix: 'Read the response: its status and body usually say what went wrong.',
    spec: { label: 'HTTP semantics: status codes', href: 'https://www.rfc-editor.org/rfc/rfc9110#section-15' },
  },
] as const satisfies readonly Entry[];

export type FailureId = (typeof FAILURES)[number]['id'];

/** What was observed: an HTTP answer, a callback's error, or a network failure. */
export interface Observed {
  status?: number | null;
  /** The OAuth error code: from a JSON body, WWW-Authenticate, or a callback's query. */
  error?: string;
  description?: string;
  /** The server's name for the failure, where it gives one (server/failure-codes.ts). */
  failure?: string;
  /** Verbatim, for the learner: the body, the challenge, or the network error. */
  said?: string;
  /** When the server said the request may be tried again (Retry-After), in ms since the epoch. */
  retryAt?: number;
}

const MAX_SAID = 600;

/** What an HTTP exchange says went wrong. */
export function observe(sent: Sent): Observed {
  const { exchange } = sent;
  if (exchange.status === null) return { status: null, said: exchange.error };
  return observeAnswer({ status: exchange.status, text: sent.text, header: sent.header, at: exchange.endedAt });
}

/** The same, for an answer read without the Recorder: its status, body, headers, and when it came. */
export function observeAnswer(answer: { status: number; text: string; header(name: string): string | null; at: number }): Observed {
  let body: { error?: unknown; error_description?: unknown; [FAILURE_PARAMETER]?: unknown } | undefined;
  try {
    body = JSON.parse(answer.text);
  } catch {}
  const challenge = parseBearerChallenge(answer.header('www-authenticate'));
  const error = typeof body?.error === 'string' ? body.error : challenge?.error;
  const description = typeof body?.error_description === 'string' ? body.error_description : challenge?.errorDescription;
  // An OAuth error body names it at the top; a JSON-RPC error in its data.
  const named = body?.[FAILURE_PARAMETER] ?? (body?.error as { data?: Record<string, unknown> } | undefined)?.data?.[FAILURE_PARAMETER];
  const failureCode = typeof named === 'string' ? named : undefined;
  const retryAt = retryTime(answer.header('retry-after'), answer.at);
  const wwwAuthenticate = answer.header('www-authenticate');
  const said = answer.text.trim() || (wwwAuthenticate ? `WWW-Authenticate: ${wwwAuthenticate}` : `HTTP ${answer.status}`);
  return {
    status: answer.status,
    error,
    description,
    ...(failureCode && { failure: failureCode }),
    said: said.length > MAX_SAID ? `${said.slice(0, MAX_SAID)}…` : said,
    ...(retryAt !== undefined && { retryAt }),
  };
}

/** Retry-After (RFC 9110 §10.2.3): seconds after the answer came, or an HTTP date. */
function retryTime(value: string | null, answeredAt: number): number | undefined {
  if (value === null) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return answeredAt + Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date;
}

export function failure(id: FailureId, serverSaid?: string, exchangeId?: string): FlowFailure {
  const { when: _, seeAlso, ...entry } = FAILURES.find((candidate) => candidate.id === id)! as Entry;
  return { ...entry, ...(seeAlso && { seeAlso: [...seeAlso] }), ...(serverSaid !== undefined && { serverSaid }), ...(exchangeId !== undefined && { exchangeId }) };
}

/** The catalogue entry that explains an observation best: the first whose `when` fits. */
export function explain(observed: Observed, exchangeId?: string): FlowFailure {
  const fits = (when: NonNullable<Entry['when']>) =>
    (!('status' in when) || when.status === observed.status) &&
    (when.error === undefined || when.error === observed.error) &&
    (when.failure === undefined || when.failure === observed.failure);
  const entry = (FAILURES as readonly Entry[]).find((candidate) => candidate.when && fits(candidate.when));
  const explained = failure((entry?.id ?? 'unexpected-response') as FailureId, observed.said, exchangeId);
  return observed.retryAt === undefined ? explained : { ...explained, retryAt: observed.retryAt };
}
