import type { FailureId } from './failures';
import type { ProtocolRevision } from './mcp';
import type { FlowCheck, Registration } from './types';

/**
 * The checks a careful client makes and many SDKs skip. Pure: each compares what was sent or
 * expected with what came back, and says both. Comparisons are exact string comparisons, as the
 * specs require (no case folding, no trailing-slash or default-port normalisation).
 */
const spec = (label: string, href: string) => ({ label, href });
const show = (value: unknown) => (value === undefined || value === null ? '(absent)' : JSON.stringify(value));

/** RFC 6749 §10.12: the callback carries back exactly the `state` this client sent. */
export function stateCheck(sent: string, callback: URL): FlowCheck {
  const got = callback.searchParams.getAll('state');
  const ok = got.length === 1 && got[0] === sent;
  return {
    id: 'state',
    ok,
    message: ok ? 'state in the callback is the one this client sent.' : `state sent ${show(sent)}, callback has ${show(got.join(', ') || undefined)}.`,
    spec: spec('RFC 6749 §10.12', 'https://www.rfc-editor.org/rfc/rfc6749#section-10.12'),
  };
}

/** RFC 9207 §2.4 as MCP applies it: compare a present `iss`; reject an absent one only if it was promised. */
export function issCheck(issuer: string, advertised: boolean, callback: URL, revision: ProtocolRevision = '2025-11-25'): FlowCheck {
  const got = callback.searchParams.getAll('iss');
  // 2026-07-28 makes the RFC 9207 check a MUST for MCP clients (SEP-2468); before, RFC 9207 alone asked for it.
  const stateless = revision === '2026-07-28';
  const check = (ok: boolean, message: string): FlowCheck => ({
    id: 'iss',
    ok,
    message: stateless && got.length > 0 ? `${message} Under 2026-07-28 an MCP client must make this check.` : message,
    spec: stateless
      ? spec('MCP authorization (2026-07-28): authorization response validation', 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#authorization-response-validation')
      : spec('RFC 9207 §2.4', 'https://www.rfc-editor.org/rfc/rfc9207#section-2.4'),
  });
  if (got.length === 0) {
    return advertised
      ? check(false, `The metadata promises iss (authorization_response_iss_parameter_supported), but the callback has none.`)
      : check(true, 'No iss in the callback, and the metadata does not promise one: nothing to compare.');
  }
  const ok = got.length === 1 && got[0] === issuer;
  return check(ok, ok ? `iss is ${show(issuer)}, the issuer this client sent the user to.` : `Expected iss ${show(issuer)}, callback has ${show(got.join(', '))}.`);
}

/**
 * 2026-07-28 orders the ways to get a client_id: pre-registration or a Client ID Metadata Document
 * first, DCR deprecated and kept for authorization servers without CIMD, and then only with an
 * `application_type`. Reported, never failed: every way still works.
 */
export function registrationCheck(registration: Registration, applicationType: string | undefined): FlowCheck {
  const message =
    registration === 'dcr'
      ? `Registered dynamically (DCR), which 2026-07-28 deprecates in favour of pre-registration and Client ID Metadata Documents; the registration says application_type ${show(applicationType)}, as 2026-07-28 requires of clients that still register.`
      : registration === 'cimd'
        ? 'Identified by a Client ID Metadata Document: the way 2026-07-28 prefers when the client and server have no prior relationship.'
        : 'Pre-registered: the administrator gave this client its client_id ahead of time, the first choice in 2026-07-28 when there is a prior relationship.';
  return {
    id: 'registration',
    ok: registration !== 'dcr' || applicationType !== undefined,
    advisory: true,
    message,
    spec: spec('MCP client registration (2026-07-28)', 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/client-registration#dynamic-client-registration'),
  };
}

/**
 * A step-up asks for the scopes already granted plus those the 403 names, so the new token keeps
 * what the old one could do. 2025-11-25 asked servers to name the granted ones in the challenge;
 * 2026-07-28 makes the union the client's job. Reported, never failed.
 */
export function stepUpScopesCheck(granted: string[], challenged: string[], requested: string[], revision: ProtocolRevision = '2025-11-25'): FlowCheck {
  const kept = granted.every((scope) => requested.includes(scope)) && challenged.every((scope) => requested.includes(scope));
  const who =
    revision === '2026-07-28'
      ? '2026-07-28 makes this union the client’s job: a server need not repeat the granted scopes in its challenge.'
      : '2025-11-25 asks the server to name the granted scopes in its challenge; this client unions them anyway.';
  return {
    id: 'step-up-scopes',
    ok: kept,
    advisory: true,
    message: `Asked for ${show(requested.join(' '))}: the granted ${show(granted.join(' '))} plus the challenged ${show(challenged.join(' '))}. ${who}`,
    spec:
      revision === '2026-07-28'
        ? spec('MCP authorization (2026-07-28): step-up authorization flow', 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#step-up-authorization-flow')
        : spec('MCP authorization: scope challenge handling', 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-challenge-handling'),
  };
}

/** RFC 8414 §3.3: the metadata's `issuer` is exactly the issuer it was fetched for. */
export function issuerMatchCheck(expected: string, metadataIssuer: unknown): FlowCheck {
  const ok = metadataIssuer === expected;
  return {
    id: 'issuer-match',
    ok,
    message: ok ? `The metadata's issuer is ${show(expected)}, the URL it was fetched for.` : `Fetched for ${show(expected)}, but it says issuer ${show(metadataIssuer)}.`,
    spec: spec('RFC 8414 §3.3', 'https://www.rfc-editor.org/rfc/rfc8414#section-3.3'),
  };
}

/** MCP "Authorization Code Protection": refuse to proceed unless S256 is advertised. */
export function s256Check(methods: unknown): FlowCheck {
  const ok = Array.isArray(methods) && methods.includes('S256');
  return {
    id: 's256-advertised',
    ok,
    message: ok ? 'code_challenge_methods_supported includes S256.' : `code_challenge_methods_supported is ${show(methods)}: no S256.`,
    spec: spec('MCP authorization: authorization code protection', 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#authorization-code-protection'),
  };
}

/** RFC 8707 as MCP requires it: `resource` = the server's URL, on the authorization and the token request. */
export function resourceSentCheck(serverUrl: string, authorizationUrl: URL, tokenRequest: URLSearchParams): FlowCheck {
  const onAuthorize = authorizationUrl.searchParams.get('resource');
  const onToken = tokenRequest.get('resource');
  const ok = onAuthorize === serverUrl && onToken === serverUrl;
  return {
    id: 'resource-sent',
    ok,
    message: ok
      ? `resource=${serverUrl} was sent on the authorization and the token request.`
      : `Expected resource ${show(serverUrl)}; the authorization request had ${show(onAuthorize)}, the token request ${show(onToken)}.`,
    spec: spec('RFC 8707 §2', 'https://www.rfc-editor.org/rfc/rfc8707#section-2'),
  };
}

/** RFC 9728 §3.3: the metadata's `resource` is exactly the server the client is connecting to. */
export function audienceCheck(serverUrl: string, metadataResource: unknown): FlowCheck {
  const ok = metadataResource === serverUrl;
  return {
    id: 'audience',
    ok,
    message: ok ? `The metadata's resource is ${show(serverUrl)}: tokens will be asked for this server.` : `Connecting to ${show(serverUrl)}, but the metadata describes ${show(metadataResource)}.`,
    spec: spec('RFC 9728 §3.3', 'https://www.rfc-editor.org/rfc/rfc9728#section-3.3'),
  };
}

/**
 * RFC 9068 §3 with RFC 8707: a JWT access token should name the server it is for in `aud`. A client
 * must treat access tokens as opaque, and this one does for everything else; it decodes the payload
 * (without verifying: that is the MCP server's job) only to show whether the authorization server
 * honoured `resource`. Advisory: the server may be configured to accept another audience. Null for
 * an opaque token, which is what this lab's own authorization server issues.
 */
export function tokenAudienceCheck(serverUrl: string, accessToken: string): FlowCheck | null {
  const claims = jwtPayload(accessToken);
  if (!claims) return null;
  const audience = claims.aud;
  const ok = audience === serverUrl || (Array.isArray(audience) && audience.includes(serverUrl));
  return {
    id: 'token-audience',
    ok,
    advisory: true,
    message: ok
      ? `The access token is a JWT (decoded here, not verified) whose aud is ${show(audience)}: it was issued for this server alone.`
      : `The access token is a JWT (decoded here, not verified) whose aud is ${show(audience)}, not ${show(serverUrl)}: the authorization server ignored resource, or uses another audience. The MCP server decides whether it accepts it.`,
    spec: spec('RFC 9068 §3', 'https://www.rfc-editor.org/rfc/rfc9068#section-3'),
  };
}

/** The claims of a JWT, or null when the token is not one (an opaque token). */
function jwtPayload(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(parts[1].length / 4) * 4, '='));
    const claims: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (char) => char.charCodeAt(0))));
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The catalogue entry that explains each failed check. */
export const CHECK_FAILURES: Record<Exclude<FlowCheck['id'], 'registration' | 'step-up-scopes'>, FailureId> = {
  state: 'check-state',
  iss: 'check-iss',
  'issuer-match': 'check-issuer-match',
  's256-advertised': 'check-s256',
  'resource-sent': 'check-resource-sent',
  audience: 'check-audience',
  'token-audience': 'check-token-audience',
};
