import { FAILURE_PARAMETER, type FailureCode } from '../../server/failure-codes';
import { AUTH_OPTION_IDS, AUTH_OPTIONS, type AuthOptionId } from './auth-options';
import { ATTACK_IDS, type AttackId } from './attack-ids';
import type { Transport } from './types';

/**
 * The attack labs, as data: what the attacker tries, which auth options it can be tried on, what
 * the learner is asked to predict, what the server must answer, and why that holds, with the spec
 * clause. The engine (site/flow/engine.ts, `perform('attack', { attack })`) makes the attacker's
 * requests for real, from the page, drawn as the Attacker on the lab's diagram
 * (diagrams/attack-<id>.mmd); a lab succeeds when the server answers exactly as `expected`: the
 * refusal, or in an isolated demo with a defence switched off (`switchedOff`), the acceptance.
 */
export { ATTACK_IDS, isAttackId, type AttackId } from './attack-ids';

export interface AttackLab {
  id: AttackId;
  title: string;
  /** The options whose endpoint the attack is tried on (after a run of that option). */
  options: AuthOptionId[];
  /** Only after a run over these transports (default: any). */
  transports?: Transport[];
  /** What the attacker does, in one or two sentences. */
  setup: string;
  /** Where the lab, to run safely on this site, differs from the real attack. */
  note?: string;
  /** The question to answer before running it. */
  predict: string;
  /**
   * The answer that means the lab went as taught: the refusal that shows the defence held; in an
   * isolated demo (`switchedOff`), the acceptance that shows the harm. `failure`: the server's
   * failure code (server/failure-codes.ts).
   */
  expected: { status: number; error?: string; failure?: FailureCode };
  /**
   * An isolated demo, not an attack on the real server: which defence is switched off, where, and
   * why that touches nothing of anyone else. The lab ends on the request that got through.
   */
  switchedOff?: string;
  /** The lab sends the user's sign-in window somewhere: the player opens it in the click. */
  opensWindow?: boolean;
  /** Why the lab cannot run on an http origin, when it cannot (the player then says so instead of offering it). */
  needsHttps?: string;
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
    expected: { status: 401, error: 'invalid_token' },
    defence:
      'Every token is bound to the resource it was requested for (RFC 8707): the client sent resource with the authorization request and the token request, and the Worker recorded it as the token’s audience. The other endpoint checks the audience first and answers 401 invalid_token.',
    spec: { label: 'MCP authorization (2026-07-28): token audience binding and validation', href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#token-audience-binding-and-validation' },
    lesson: 'authorization-code',
  },
  'audience-unchecked': {
    id: 'audience-unchecked',
    title: 'The same token where the audience check is switched off',
    options: ['worker', 'github', 'oidc-proxy'],
    setup:
      'The attacker presents your token once more, now at an MCP endpoint built from the same code as this Worker’s, but with one line changed: it accepts any token this Worker issued, whatever resource it was issued for. That is the mistake the previous lab is about, made on purpose, so you can see what it costs.',
    switchedOff:
      'Isolated demo. This endpoint (/lab/demo/no-audience-check/mcp) exists only in the lab layer, never in the server you fork: it serves only tools that read (whoami, add, countdown), writes nothing, and answers only this site’s pages. A token opens only its own user’s data, so the only person anyone can reach through it is themselves.',
    predict: 'The token is genuine and unexpired, only meant for somewhere else. What does an endpoint that skips the audience check let the attacker do with it?',
    expected: { status: 200 },
    defence:
      'It answered as you: whoami ran with your identity and scopes, for a caller who only held a token you had given to another service. Any service you hand a token to (a proxy, a tool, a compromised MCP server) could replay it at every server that skips this check. That is why the spec says a server MUST NOT accept tokens that were not issued for it: checking the audience (RFC 8707) is what keeps one leaked token from opening everything that trusts the same authorization server.',
    spec: { label: 'MCP authorization (2026-07-28): token audience binding and validation', href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#token-audience-binding-and-validation' },
    lesson: 'authorization-code',
  },
  'stolen-code': {
    id: 'stolen-code',
    opensWindow: true,
    title: 'A stolen authorization code',
    // Drawn with option 1's sign-in pages; PKCE protects the code the same way in every option.
    options: ['worker'],
    setup:
      'You sign in once more; the code arrives at the client’s callback, and the attacker, who read it from a log or a referrer, redeems it first, with the client_id (public) but without the PKCE verifier, which never left your client.',
    predict: 'The code is valid and not yet used. What does the token endpoint answer the attacker?',
    expected: { status: 400, error: 'invalid_grant' },
    defence:
      'The authorization request carried code_challenge, the SHA-256 of a verifier only the real client knows. The token endpoint hashes the code_verifier it receives and compares: the attacker has none that matches, so the code is worthless to them (400 invalid_grant).',
    spec: { label: 'MCP authorization (2026-07-28): authorization code protection', href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#authorization-code-protection' },
    lesson: 'authorization-code',
  },
  'pkce-downgrade': {
    id: 'pkce-downgrade',
    opensWindow: true,
    title: 'A PKCE downgrade to plain',
    options: ['worker'],
    setup:
      'The attacker tampers with your client’s authorization link: code_challenge_method=plain, so the challenge is the verifier itself, and anyone who sees the link could redeem the code.',
    predict: 'Your browser follows the tampered link. Does the authorization server issue a code?',
    expected: { status: 302, error: 'invalid_request' },
    refusedAt: { method: 'GET', path: '/authorize' },
    defence:
      'With plain, the code_challenge in the link would be the verifier itself, so seeing the link would be enough to redeem the code. The authorization server accepts only S256 and sends the browser back to the client with error=invalid_request and no code.',
    spec: { label: 'MCP authorization (2026-07-28): authorization code protection', href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#authorization-code-protection' },
    lesson: 'authorization-code',
  },
  'confused-deputy': {
    id: 'confused-deputy',
    opensWindow: true,
    title: 'The confused deputy',
    options: ['github'],
    setup:
      'You already allowed this lab’s client, and GitHub remembers that it allowed the Worker’s one app. The attacker registers a client of their own at the Worker and sends you a link to sign in with it, hoping GitHub’s remembered approval carries them through. (The lab registers it with its own callback so it can hear the answer; a real attacker would use theirs.)',
    predict: 'GitHub would send you straight back without asking. Does anything stop the attacker’s client here? Press Deny if you are asked.',
    expected: { status: 302, error: 'access_denied' },
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
    expected: { status: 401, error: 'invalid_token' },
    defence:
      '/mcp accepts only tokens its own authorization server issued for it. A token from another issuer, for another audience, is not passed through or trusted because it is valid somewhere: the MCP server must only accept tokens issued for itself.',
    spec: { label: 'MCP security best practices: token passthrough', href: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices#token-passthrough' },
    lesson: 'bring-your-own-provider',
  },
  'session-hijack': {
    id: 'session-hijack',
    opensWindow: true,
    title: 'Another user in your SSE session',
    options: ['worker'],
    transports: ['sse'],
    setup:
      'Your legacy SSE session is open, and its session id travels in a URL, where it can leak. The attacker signs in as themselves, with a valid token of their own, and posts a tool call into your session. In the window: press “Not you? Sign out”, sign in as mallory, and allow.',
    predict: 'The attacker’s token is valid for /sse, and the session id is right. Will your session run the attacker’s call?',
    expected: { status: 404 },
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
    expected: { status: 400 },
    defence:
      'The authorization server redirects only to a URI registered for that client, compared exactly, and shows an error page instead of redirecting anywhere else; it refuses to register a URI that is not http(s). A code never travels to a place the client did not name ahead of time.',
    spec: { label: 'MCP authorization (2026-07-28): open redirection', href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#open-redirection' },
    lesson: 'client-registration',
  },
  'foreign-origin': {
    id: 'foreign-origin',
    title: 'A request from another site (DNS rebinding)',
    options: ['worker', 'github', 'oidc-proxy', 'oidc-external'],
    setup:
      'A page of another site, open in your browser, makes your browser send a JSON-RPC request to this MCP endpoint, without your token (the attacker does not have it). That is the last step of DNS rebinding: the attacker points their site’s name at the server’s address, so your browser takes the server for part of the attacker’s site and never asks the server’s permission (CORS), but still names that site in the Origin header. The lab plays that page in a sandboxed frame, for which the browser sends Origin: null.',
    note:
      'Where the lab differs: in a real rebinding the browser believes the page and the server are one site, so it sends any request straight away and lets the page read the answer. This frame is plainly another origin: the browser sends JSON for it only after the server allowed that (a preflight OPTIONS), and hides every answer from it. So the lab also sends the same request as plain text, which browsers send without asking, as a rebinding page could. The frame tags its requests so the Worker can show them to you; the Worker removes the tag before the server sees them.',
    predict: 'The attacker’s page sends no token. Will the server answer 401 and explain how to get one, or refuse earlier? What does the page get to read?',
    expected: { status: 403, failure: 'origin-not-allowed' },
    defence:
      'Browsers add an Origin header to such a request, naming the site of the page that sent it, and the page cannot change it. MCP servers must check it: this one allows only its own origin (and any listed in ALLOWED_ORIGINS) and answers every other with 403 and the failure code origin-not-allowed, before it looks for a token. The plain-text request was refused that way; the JSON one never left the browser, since nothing allowed the page’s Origin; and the attacker’s page could read no answer at all.',
    spec: { label: 'MCP transports (2026-07-28): security and endpoint', href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#security--endpoint' },
    lesson: 'transports',
  },
  'cimd-claimed-redirect': {
    id: 'cimd-claimed-redirect',
    title: 'A metadata document claiming your client’s redirect',
    options: ['worker'],
    opensWindow: true,
    needsHttps:
      'the attacker’s client_id is the URL of their Client ID Metadata Document, and the authorization server fetches only https documents (so the URL says who published it). On an https deployment this lab works.',
    setup:
      'With Client ID Metadata Documents, an app’s client_id is the URL of a small JSON document that describes it: its name, and the addresses (redirect URIs) a sign-in may send you back to. Anyone can publish one. The attacker’s copies your client’s name and lists your client’s callback as its only redirect URI, so its consent page looks like your client’s, and they send you a link with their document’s URL as client_id.',
    note: 'The lab serves the attacker’s document itself, at /lab/attacker/client-metadata.json, so the domain the consent page names is this site’s. A real attacker’s document would be on their own domain, and the consent page would name that one.',
    predict:
      'In the window, read who published the app and where it sends you, then press Allow. Where does the code go, and can anyone use it? And can the attacker have a code sent to their own address instead?',
    expected: { status: 400 },
    defence:
      'Anyone can publish a metadata document and list any redirect URI in it, even yours; that decides only where the server may send a code, not who can use it. The code went where the link asked and the document allowed, your client’s callback, so the attacker never saw it; and it was issued to the attacker’s client_id, so your client could not trade it for a token either (400 invalid_grant). When the attacker asked for a code at their own address, which their document does not list, the server showed an error page instead of sending you there (400). What a document cannot copy is its own address: the consent page names the domain it came from and where you will be sent, and warns when that is your own computer.',
    spec: {
      label: 'MCP authorization (2026-07-28): client ID metadata document security',
      href: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations#client-id-metadata-document-security',
    },
    lesson: 'client-registration',
  },
};

/** The CIMD lab's attacker's metadata document, which the lab layer serves (server/lab/lab-clients.ts). */
export const ATTACKER_DOCUMENT_PATH = '/lab/attacker/client-metadata.json';

/**
 * How long the Origin lab waits for the Worker's record of its foreign page's request (it is
 * recorded after the answer, then streamed): a ceiling, after which the lab says what is missing.
 */
export const FOREIGN_RECORD_WAIT_MS = 15_000;

/** The server's failure code in a recorded answer: an OAuth error's `failure`, or a JSON-RPC error's `error.data.failure`. */
export function failureCodeOf(body: string | null): string | undefined {
  try {
    const value = JSON.parse(body ?? '') as Record<string, unknown> & { error?: { data?: Record<string, unknown> } };
    const code = value[FAILURE_PARAMETER] ?? (typeof value.error === 'object' ? value.error?.data?.[FAILURE_PARAMETER] : undefined);
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** The diagram an attack is drawn on (diagrams/attack-<id>.mmd). */
export const attackDiagramId = (id: AttackId) => `attack-${id}`;

export const attacksFor = (option: AuthOptionId, transport?: Transport): AttackLab[] =>
  ATTACK_IDS.map((id) => ATTACKS[id]).filter((attack) => attack.options.includes(option) && (!transport || !attack.transports || attack.transports.includes(transport)));


/**
 * Another MCP endpoint of this Worker than `path`, for the attacks that present a token where it
 * was not issued: option 1's /mcp, or, for a token of /mcp, option 2's endpoint.
 */
export function otherEndpointOf(path: string): string {
  const endpoints = AUTH_OPTION_IDS.map((option) => AUTH_OPTIONS[option].endpoints['streamable-http']).filter((endpoint): endpoint is string => Boolean(endpoint));
  return endpoints.find((endpoint) => endpoint !== path)!;
}
