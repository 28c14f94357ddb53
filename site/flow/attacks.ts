import { AUTH_OPTION_IDS, AUTH_OPTIONS, type AuthOptionId } from './auth-options';
import type { Transport } from './types';

/**
 * The attack labs, as data: what the attacker tries, which auth options it can be tried on, what
 * the learner is asked to predict, what the server must answer, and why that holds, with the spec
 * clause. The engine (site/flow/engine.ts, `perform('attack', { attack })`) makes the attacker's
 * requests for real, from the page, drawn as the Attacker on the lab's diagram
 * (diagrams/attack-<id>.mmd); a lab succeeds when the server refuses exactly as expected.
 */
export const ATTACK_IDS = ['wrong-audience', 'stolen-code', 'pkce-downgrade', 'confused-deputy', 'token-passthrough', 'redirect-swap', 'session-hijack'] as const;
export type AttackId = (typeof ATTACK_IDS)[number];

export interface AttackLab {
  id: AttackId;
  title: string;
  /** The options whose endpoint the attack is tried on (after a run of that option). */
  options: AuthOptionId[];
  /** Only after a run over these transports (default: any). */
  transports?: Transport[];
  /** What the attacker does, in one or two sentences. */
  setup: string;
  /** The question to answer before running it. */
  predict: string;
  /** The answer that means the defence held. */
  refused: { status: number; error?: string };
  /**
   * Where the refusal happens when it is not the attacker's own last request: a navigation of the
   * user's browser (a tampered link it follows, a consent it is asked for).
   */
  refusedAt?: { method: 'GET' | 'POST'; path: string };
  /** Why the server refuses, in plain words. */
  defence: string;
  spec: { label: string; href: string };
  /** The lesson that teaches the defence (its slug). */
  lesson: string;
}

export const ATTACKS: Record<AttackId, AttackLab> = {
  'wrong-audience': {
    id: 'wrong-audience',
    title: 'A token for another endpoint',
    options: ['worker', 'github', 'oidc-proxy'],
    setup: 'The attacker has your access token for this endpoint and presents it at another MCP endpoint of the same Worker, one you never authorized.',
    predict: 'Both endpoints trust the same authorization server. Will the other one accept a token that was issued for this one?',
    refused: { status: 401, error: 'invalid_token' },
    defence:
      'Every token is bound to the resource it was requested for (RFC 8707): the client sent resource with the authorization request and the token request, and the Worker recorded it as the token’s audience. The other endpoint checks the audience first and answers 401 invalid_token.',
    spec: { label: 'MCP authorization (2026-07-28): token audience binding and validation', href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#token-audience-binding-and-validation' },
    lesson: 'authorization-code',
  },
  'stolen-code': {
    id: 'stolen-code',
    title: 'A stolen authorization code',
    // Drawn with option 1's sign-in pages; PKCE protects the code the same way in every option.
    options: ['worker'],
    setup:
      'You sign in once more; the code arrives at the client’s callback, and the attacker, who read it from a log or a referrer, redeems it first, with the client_id (public) but without the PKCE verifier, which never left your client.',
    predict: 'The code is valid and not yet used. What does the token endpoint answer the attacker?',
    refused: { status: 400, error: 'invalid_grant' },
    defence:
      'The authorization request carried code_challenge, the SHA-256 of a verifier only the real client knows. The token endpoint hashes the code_verifier it receives and compares: the attacker has none that matches, so the code is worthless to them (400 invalid_grant).',
    spec: { label: 'MCP authorization (2026-07-28): authorization code protection', href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#authorization-code-protection' },
    lesson: 'authorization-code',
  },
  'pkce-downgrade': {
    id: 'pkce-downgrade',
    title: 'A PKCE downgrade to plain',
    options: ['worker'],
    setup:
      'The attacker tampers with your client’s authorization link: code_challenge_method=plain, so the challenge is the verifier itself, and anyone who sees the link could redeem the code.',
    predict: 'Your browser follows the tampered link. Does the authorization server issue a code?',
    refused: { status: 302, error: 'invalid_request' },
    refusedAt: { method: 'GET', path: '/authorize' },
    defence:
      'With plain, the code_challenge in the link would be the verifier itself, so seeing the link would be enough to redeem the code. The authorization server accepts only S256 and sends the browser back to the client with error=invalid_request and no code.',
    spec: { label: 'MCP authorization (2026-07-28): authorization code protection', href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#authorization-code-protection' },
    lesson: 'authorization-code',
  },
  'confused-deputy': {
    id: 'confused-deputy',
    title: 'The confused deputy',
    options: ['github'],
    setup:
      'You already allowed this lab’s client, and GitHub remembers that it allowed the Worker’s one app. The attacker registers a client of their own at the Worker and sends you a link to sign in with it, hoping GitHub’s remembered approval carries them through. (The lab registers it with its own callback so it can hear the answer; a real attacker would use theirs.)',
    predict: 'GitHub would send you straight back without asking. Does anything stop the attacker’s client here? Press Deny if you are asked.',
    refused: { status: 302, error: 'access_denied' },
    refusedAt: { method: 'POST', path: '/authorize/github' },
    defence:
      'GitHub sees only the Worker’s app, never the MCP clients behind it, so its remembered approval says nothing about the attacker’s client. The Worker therefore asks you itself, naming the client and where it redirects, before anything goes to GitHub; you denied it, and the client got access_denied instead of a code.',
    spec: { label: 'MCP authorization (2026-07-28): confused deputy problem', href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#confused-deputy-problem' },
    lesson: 'third-party-provider',
  },
  'token-passthrough': {
    id: 'token-passthrough',
    title: 'Token passthrough',
    options: ['oidc-external'],
    setup:
      'Option 3b’s token comes from your provider, and this Worker accepts it at /external/mcp. The attacker presents the same token at /mcp, option 1’s endpoint on the same Worker, hoping one valid token opens every door.',
    predict: 'The token is genuine, signed by a provider this Worker trusts. Will /mcp accept it?',
    refused: { status: 401, error: 'invalid_token' },
    defence:
      '/mcp accepts only tokens its own authorization server issued for it. A token from another issuer, for another audience, is not passed through or trusted because it is valid somewhere: the MCP server must only accept tokens issued for itself.',
    spec: { label: 'MCP security best practices: token passthrough', href: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices#token-passthrough' },
    lesson: 'bring-your-own-provider',
  },
  'session-hijack': {
    id: 'session-hijack',
    title: 'Another user in your SSE session',
    options: ['worker'],
    transports: ['sse'],
    setup:
      'Your legacy SSE session is open, and its session id travels in a URL, where it can leak. The attacker signs in as themselves, with a valid token of their own, and posts a tool call into your session. In the window: press “Not you? Sign out”, sign in as mallory, and allow.',
    predict: 'The attacker’s token is valid for /sse, and the session id is right. Will your session run the attacker’s call?',
    refused: { status: 404 },
    defence:
      'A session id is not a credential: the Worker checks the bearer token on every message and binds each session to the user and client that opened it. A valid token of another user, presented with your session id, gets 404, as if the session did not exist.',
    spec: { label: 'MCP security best practices: session hijacking', href: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices#session-hijacking' },
    lesson: 'transports',
  },
  'redirect-swap': {
    id: 'redirect-swap',
    title: 'A swapped redirect URI',
    options: ['worker'],
    setup:
      'The attacker builds an authorization link with your client’s client_id but their own redirect_uri, hoping the server sends your code to them; and registers a client whose redirect URI is a javascript: URL.',
    predict: 'What does the authorization server do with a redirect_uri the client never registered, and with a javascript: one?',
    refused: { status: 400 },
    defence:
      'The authorization server redirects only to a URI registered for that client, compared exactly, and shows an error page instead of redirecting anywhere else; it refuses to register a URI that is not http(s). A code never travels to a place the client did not name ahead of time.',
    spec: { label: 'MCP authorization (2026-07-28): open redirection', href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#open-redirection' },
    lesson: 'client-registration',
  },
};

/** The diagram an attack is drawn on (diagrams/attack-<id>.mmd). */
export const attackDiagramId = (id: AttackId) => `attack-${id}`;

export const attacksFor = (option: AuthOptionId, transport?: Transport): AttackLab[] =>
  ATTACK_IDS.map((id) => ATTACKS[id]).filter((attack) => attack.options.includes(option) && (!transport || !attack.transports || attack.transports.includes(transport)));

export const isAttackId = (value: unknown): value is AttackId => typeof value === 'string' && (ATTACK_IDS as readonly string[]).includes(value);

/**
 * Another MCP endpoint of this Worker than `path`, for the attacks that present a token where it
 * was not issued: option 1's /mcp, or, for a token of /mcp, option 2's endpoint.
 */
export function otherEndpointOf(path: string): string {
  const endpoints = AUTH_OPTION_IDS.map((option) => AUTH_OPTIONS[option].endpoints['streamable-http']).filter((endpoint): endpoint is string => Boolean(endpoint));
  return endpoints.find((endpoint) => endpoint !== path)!;
}
