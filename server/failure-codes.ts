/**
 * Stable names for the failures a client (or a teaching page) may want to tell apart, where the
 * standard OAuth `error` code alone cannot: `invalid_grant` covers a wrong PKCE verifier and a
 * replayed code alike. The server sends one beside the standard fields, never instead of them:
 *
 *   - in an OAuth error body (the token endpoint; a rate-limited registration, http/rate-limit.ts):
 *     the member `failure` (RFC 6749 §5.2 allows members beyond error/error_description/error_uri;
 *     clients ignore what they do not know);
 *   - in an error redirect to the client (RFC 6749 §4.1.2.1): the query parameter `failure`;
 *   - in a JSON-RPC error (the MCP endpoint's Origin refusal): `error.data.failure`.
 *
 * Each names only what `error_description` already says in words: no internal detail more.
 * Imports nothing, so browser code can read it too.
 */
export const FAILURE_PARAMETER = 'failure';

export const FAILURE_CODES = {
  'origin-not-allowed': 'The MCP endpoint refused the browser page’s Origin (DNS rebinding defence).',
  'pkce-verifier-mismatch': 'The code_verifier does not hash to the code_challenge sent with the authorization request.',
  'code-replayed': 'The authorization code was already redeemed once; the grant was revoked.',
  'provider-cancelled': 'The user cancelled the sign-in at the provider behind the Worker.',
  'provider-refused-code': 'The provider refused the Worker’s code exchange.',
  'id-token-rejected': 'The provider’s ID token failed verification at the Worker.',
  'rate-limited': 'Too many requests of this kind came from the client’s network address; Retry-After says when to try again.',
} as const;

export type FailureCode = keyof typeof FAILURE_CODES;
