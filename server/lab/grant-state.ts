import { AUTH_OPTIONS, type AuthOptionId } from '../catalogue';
import type { ServerContext } from '../context';
import type { GrantProps } from '../grant-props';
import { sha256Base64url } from '../jwt/base64url';
import { JwtError, type JwtClaims } from '../jwt/jwt';
import { tokensIssuedHere } from '../mcp/endpoints';
import { fitsKvLookup } from '../oauth/kv-key-limits';
import type { EndpointRow } from '../routes';
import { discover, verifyAccessToken } from '../upstream/oidc';
import { externalIssuerSettings } from '../upstream/providers';
import { UpstreamError } from '../upstream/upstream-error';
import type { LabEnv, TracedServer } from './env';
import { flatten, maskSecret, type MaskedSecret, type StoredField } from './mask-secrets';

export type { MaskedSecret, StoredField } from './mask-secrets';

/**
 * `GET /lab/grant-state?resource=<MCP endpoint URL>` with `Authorization: Bearer <access token>`:
 * what the Worker keeps for the bearer's own grant, read from OAUTH_KV (server/STORAGE.md), for
 * the lab page's "what the Worker keeps" panel (site/player/server-state.ts).
 *
 * Possession of a valid, unexpired access token for `resource` is the proof of ownership, checked
 * exactly as that MCP endpoint checks it: tokens this Worker issued go through the same validator
 * (`tokensIssuedHere`: the library's `validateToken` for that audience, then the option the grant
 * was made through), and option 3b's JWTs through the same discovery and RFC 9068 check as
 * /external/mcp. Only keys named by the validated token are read: `grant:<its user>:<its grant>`,
 * `token:<its user>:<its grant>:*` and `note:<its user>`. Nothing else, and no one else's.
 *
 * What is answered holds no secret in clear: token-like values (the provider's access token in the
 * props, the presented token) become a prefix and a length; encrypted props and wrapped keys are
 * given as byte counts; hashes (token ids, the code's id) are shown, since a hash opens nothing.
 *
 *   200 GrantState                   no-store, same-origin only (no CORS headers)
 *   400 invalid_target               `resource` missing or not one of this Worker's MCP endpoints
 *   401 invalid_token                no token, or one that is not valid for `resource` (revoked,
 *                                    expired, another resource, another option, garbage)
 *   403 forbidden                    called from another site (Origin or Sec-Fetch-Site)
 *   503 temporarily_unavailable      option 3b: the provider's keys could not be fetched
 */
export const GRANT_STATE_PATH = '/lab/grant-state';

/** Where a record lives in KV and when KV deletes it. */
export interface KvRecord {
  key: string;
  /** When KV deletes the key (seconds since the epoch); null: never. */
  kvExpiresAt: number | null;
}

/** The grant's `props`, AES-GCM encrypted: the size of the ciphertext, and what it holds. */
export interface EncryptedPropsInfo {
  /** Bytes of ciphertext (with the 16-byte GCM tag). */
  bytes: number;
  /** The prop names inside (dotted for nested ones), as the presented token unwraps them. */
  holds: string[];
}

/** A copy of the props' key, wrapped (AES-KW) with a key derived from one token: only that token unwraps it. */
export interface WrappedKeyInfo {
  /** Which token's copy: the authorization code's (until it is exchanged), the refresh token's, the previous refresh token's. */
  for: 'authorization-code' | 'refresh-token' | 'previous-refresh-token';
  bytes: number;
}

/** `grant:<userId>:<grantId>`, written by the library at `completeAuthorization`. */
export interface GrantRecordView extends KvRecord {
  id: string;
  userId: string;
  clientId: string;
  scope: string[];
  /** The RFC 8707 resource the grant is for (the audience of its tokens). */
  resource: string | string[] | null;
  redirectUri: string | null;
  /** `metadata` as stored (not encrypted): e.g. `userName`, `signedInWith`. */
  metadata: StoredField[];
  /** Seconds since the epoch. */
  createdAt: number;
  /** Seconds since the epoch; null when the grant itself names none (KV's expiry still applies). */
  expiresAt: number | null;
  /** The authorization code: its SHA-256 (hex), and whether it was exchanged (its wrapped key is then gone). */
  authorizationCode: { idHash: string; exchanged: boolean } | null;
  /** The PKCE challenge the client sent (public: it was in the authorization URL). */
  pkce: { method: string; challenge: string } | null;
  /** The current refresh token's SHA-256 (hex), and the previous one's while it still works once. */
  refreshToken: { idHash: string; previousIdHash: string | null } | null;
  wrappedKeys: WrappedKeyInfo[];
  encryptedProps: EncryptedPropsInfo;
}

/** `token:<userId>:<grantId>:<sha256 of the token>`, one per access token, written by the token endpoint. */
export interface TokenRecordView extends KvRecord {
  /** SHA-256 (hex) of the access token: the token itself is never stored. */
  idHash: string;
  /** This is the token that made this request. */
  current: boolean;
  audience: string | string[] | null;
  scope: string[];
  clientId: string;
  /** Seconds since the epoch. */
  createdAt: number;
  expiresAt: number;
  /** The props' key wrapped with a key derived from this token. */
  wrappedKeyBytes: number;
  /** The token's own copy of the encrypted props. */
  encryptedPropsBytes: number;
}

/** `note:<userId>`, written by the `save_note` tool: the user's notes (their own words, not secrets). */
export interface NoteRecordView extends KvRecord {
  count: number;
  bytes: number;
  notes: { text: string; tag?: string }[];
}

interface GrantStateBase {
  option: AuthOptionId;
  /** How the course numbers the option: "1", "2", "3a", "3b". */
  optionNumber: string;
  /** The MCP endpoint the token is for. */
  resource: string;
  /** The user id the Worker files this user's keys under. */
  userId: string;
  note: NoteRecordView | null;
  /** When this was read (seconds since the epoch). */
  readAt: number;
}

/** Options 1, 2 and 3a: this Worker issued the token, so it keeps a grant and token records. */
export interface IssuedHereGrantState extends GrantStateBase {
  kind: 'grant';
  /** The presented token's shape, `<userId>:<grantId>:<secret>`: the first two name its KV keys. */
  presentedToken: { userId: string; grantId: string; secretLength: number; idHash: string };
  /** Null only if the grant vanished between the token check and the read. */
  grant: GrantRecordView | null;
  /** Every access token record of this grant: the presented one first, then the others, newest first. */
  tokens: TokenRecordView[];
  /** The props as the presented token unwraps them, secrets masked. */
  props: StoredField[];
  /** Options 2 and 3a: the provider's access token, which lives only inside the encrypted props. */
  upstream: { propPath: string; provider: string | null; token: MaskedSecret } | null;
}

/** What the Worker keeps in memory (per isolate, never in KV) to check option 3b's tokens. */
export interface IsolateCache {
  what: 'discovery' | 'jwks';
  url: string;
  /** How long a copy is used before it is fetched again. */
  maxAgeSeconds: number;
}

/** Option 3b: the provider issued the token; the Worker checks it and keeps no grant and no token. */
export interface ExternalGrantState extends GrantStateBase {
  kind: 'external';
  provider: { name: string; issuer: string; simulated: boolean };
  /** The presented JWT, masked, and the claims this Worker verified in it. */
  token: {
    masked: MaskedSecret;
    claims: { issuer: string; subject: string; audience: string | string[]; scope: string[]; clientId?: string; issuedAt?: number; expiresAt?: number; keyId?: string };
  };
  grant: null;
  tokens: [];
  caches: IsolateCache[];
}

export type GrantState = IssuedHereGrantState | ExternalGrantState;

/** The JSON error body of every refusal. */
export interface GrantStateError {
  error: 'invalid_token' | 'invalid_target' | 'forbidden' | 'method_not_allowed' | 'temporarily_unavailable';
  error_description: string;
}

const NO_STORE = { 'Cache-Control': 'no-store' };
/** Option 3b's tokens longer than this are refused by /external/mcp too. */
const MAX_EXTERNAL_TOKEN_LENGTH = 8192;
/** A grant has one access token at a time in practice; a bound keeps the reads small whatever happens. */
const MAX_TOKEN_RECORDS = 20;
// How long server/upstream/oidc.ts keeps the discovery document, and server/jwt/jwt.ts the key set.
const DISCOVERY_MAX_AGE_SECONDS = 300;
const JWKS_MAX_AGE_SECONDS = 600;

export const isGrantStateRoute = (pathname: string) => pathname === GRANT_STATE_PATH;

export async function handleGrantState(request: Request, env: LabEnv, server: TracedServer): Promise<Response> {
  if (request.method !== 'GET') return refuse(405, 'method_not_allowed', 'Use GET.', { Allow: 'GET' });
  const context = server.contextFor(request, env);
  if (crossSite(request, context.origin)) return refuse(403, 'forbidden', 'What the Worker keeps can only be read from this site.');
  const token = bearerToken(request);
  if (token === null) return unauthorized('Send the access token as Authorization: Bearer <token>.', false);
  const resource = new URL(request.url).searchParams.get('resource');
  const row = server.routes.endpoints.find((endpoint) => context.origin + endpoint.path === resource);
  if (!resource || !row) return refuse(400, 'invalid_target', 'resource must be one of this server’s MCP endpoint URLs.');
  try {
    const state = row.tokensFrom === 'this-worker' ? await issuedHereState(request, context, row, resource, token) : await externalState(context, row, resource, token);
    if (!state) return unauthorized(`The token is not valid for ${resource}: revoked, expired, or for another resource.`, true);
    return Response.json(state satisfies GrantState, { headers: NO_STORE });
  } catch (error) {
    if (error instanceof UpstreamError) {
      console.warn(`grant state: token not checked: ${error.message}`);
      return refuse(503, 'temporarily_unavailable', 'The authorization server could not be reached to check this token.', { 'Retry-After': '30' });
    }
    throw error;
  }
}

/**
 * The lab layer's usual rule (Origin from another site is refused), and Fetch Metadata too: a
 * browser says `Sec-Fetch-Site` on every fetch, so a page of another site is refused even on a GET
 * that carries no Origin. Without CORS headers, such a page could not read the answer anyway.
 */
function crossSite(request: Request, origin: string): boolean {
  const sender = request.headers.get('origin');
  if (sender !== null && sender !== origin) return true;
  const site = request.headers.get('sec-fetch-site');
  return site !== null && site !== 'same-origin' && site !== 'none';
}

function bearerToken(request: Request): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.get('authorization') ?? '');
  return match ? match[1] : null;
}

// ---------------------------------------------------------------------------------------------
// Options 1, 2, 3a: the library's records

async function issuedHereState(request: Request, context: ServerContext, row: EndpointRow, resource: string, token: string): Promise<IssuedHereGrantState | null> {
  const { env, authorizationServer } = context;
  // The MCP endpoint's own validator: audience = this resource, and a grant made through this option.
  const validated = await tokensIssuedHere(authorizationServer, row.option)(env, request)(resource, token);
  if (!validated) return null;
  // The library's supported lookup, for what validateToken does not return (ids, creation time).
  const summary = await authorizationServer.getOAuthApi(env).unwrapToken<GrantProps>(token);
  if (!summary || summary.userId !== validated.userId) return null;
  const { userId, grantId } = summary;
  const grantKey = `grant:${userId}:${grantId}`;
  const tokenPrefix = `token:${userId}:${grantId}:`;

  const [grantRaw, grantExpiry, tokenKeys, note] = await Promise.all([
    env.OAUTH_KV.get<Record<string, unknown>>(grantKey, 'json'),
    kvExpiry(env.OAUTH_KV, grantKey),
    env.OAUTH_KV.list({ prefix: tokenPrefix, limit: MAX_TOKEN_RECORDS }),
    noteRecord(env.OAUTH_KV, userId),
  ]);
  const props = flatten(summary.grant.props);
  const holds = props.map((field) => field.path);
  const tokens = (
    await Promise.all(
      tokenKeys.keys.map(async ({ name, expiration }) => {
        const raw = await env.OAUTH_KV.get<Record<string, unknown>>(name, 'json');
        return raw && tokenRecordView(name, expiration ?? null, raw, summary.id);
      }),
    )
  )
    .filter((record): record is TokenRecordView => record !== null)
    .sort((a, b) => Number(b.current) - Number(a.current) || b.createdAt - a.createdAt);

  return {
    kind: 'grant',
    ...stateBase(row, resource, userId, note),
    presentedToken: { userId, grantId, secretLength: token.length - userId.length - grantId.length - 2, idHash: summary.id },
    grant: grantRaw && grantRecordView(grantKey, grantExpiry, grantRaw, holds),
    tokens,
    props,
    upstream: upstreamToken(summary.grant.props),
  };
}

/** What both kinds of answer say first: which option and endpoint, whose keys, the notes, when. */
function stateBase(row: EndpointRow, resource: string, userId: string, note: NoteRecordView | null): GrantStateBase {
  return { option: row.option, optionNumber: AUTH_OPTIONS[row.option].number, resource, userId, note, readAt: nowSeconds() };
}

function grantRecordView(key: string, kvExpiresAt: number | null, raw: Record<string, unknown>, holds: string[]): GrantRecordView {
  const text = (name: string) => (typeof raw[name] === 'string' ? (raw[name] as string) : null);
  const wrappedKeys: WrappedKeyInfo[] = [];
  for (const [field, kind] of [
    ['authCodeWrappedKey', 'authorization-code'],
    ['refreshTokenWrappedKey', 'refresh-token'],
    ['previousRefreshTokenWrappedKey', 'previous-refresh-token'],
  ] as const) {
    const value = text(field);
    if (value) wrappedKeys.push({ for: kind, bytes: base64Bytes(value) });
  }
  const authCodeId = text('authCodeId');
  const refreshTokenId = text('refreshTokenId');
  const challenge = text('codeChallenge');
  return {
    key,
    kvExpiresAt,
    id: String(raw.id ?? ''),
    userId: String(raw.userId ?? ''),
    clientId: String(raw.clientId ?? ''),
    scope: stringList(raw.scope),
    resource: typeof raw.resource === 'string' || Array.isArray(raw.resource) ? (raw.resource as string | string[]) : null,
    redirectUri: text('redirectUri'),
    metadata: flatten(raw.metadata ?? null),
    createdAt: Number(raw.createdAt ?? 0),
    expiresAt: typeof raw.expiresAt === 'number' ? raw.expiresAt : null,
    authorizationCode: authCodeId ? { idHash: authCodeId, exchanged: !text('authCodeWrappedKey') } : null,
    pkce: challenge ? { method: text('codeChallengeMethod') ?? 'plain', challenge } : null,
    refreshToken: refreshTokenId ? { idHash: refreshTokenId, previousIdHash: text('previousRefreshTokenId') } : null,
    wrappedKeys,
    encryptedProps: { bytes: base64Bytes(text('encryptedProps') ?? ''), holds },
  };
}

function tokenRecordView(key: string, kvExpiresAt: number | null, raw: Record<string, unknown>, currentId: string): TokenRecordView {
  const grant = (typeof raw.grant === 'object' && raw.grant !== null ? raw.grant : {}) as Record<string, unknown>;
  const audience = raw.audience;
  return {
    key,
    kvExpiresAt,
    idHash: String(raw.id ?? ''),
    current: raw.id === currentId,
    audience: typeof audience === 'string' || Array.isArray(audience) ? (audience as string | string[]) : null,
    scope: stringList(raw.scope ?? grant.scope),
    clientId: String(grant.clientId ?? ''),
    createdAt: Number(raw.createdAt ?? 0),
    expiresAt: Number(raw.expiresAt ?? 0),
    wrappedKeyBytes: base64Bytes(typeof raw.wrappedEncryptionKey === 'string' ? raw.wrappedEncryptionKey : ''),
    encryptedPropsBytes: base64Bytes(typeof grant.encryptedProps === 'string' ? grant.encryptedProps : ''),
  };
}

/** Options 2 and 3a keep the provider's token as `<provider object>.accessToken` in the props (GithubGrantProps, OidcGrantProps). */
function upstreamToken(props: unknown): IssuedHereGrantState['upstream'] {
  if (typeof props !== 'object' || props === null) return null;
  for (const [name, value] of Object.entries(props)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const { accessToken, provider } = value as Record<string, unknown>;
    if (typeof accessToken !== 'string') continue;
    return { propPath: `${name}.accessToken`, provider: typeof provider === 'string' ? provider : null, token: maskSecret(accessToken) };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Option 3b: nothing stored but notes

async function externalState(context: ServerContext, row: EndpointRow, resource: string, token: string): Promise<ExternalGrantState | null> {
  if (token.length > MAX_EXTERNAL_TOKEN_LENGTH) return null;
  const settings = externalIssuerSettings(context, resource);
  // The check /external/mcp runs (server/options/oidc-external: "external-token-check").
  let claims: JwtClaims;
  let keyId: string | undefined;
  let jwksUri: string;
  try {
    const metadata = await discover(settings.name, settings.issuer);
    jwksUri = metadata.jwks_uri;
    ({ claims, keyId } = await verifyAccessToken(metadata, token, { audience: settings.audience, allowUntyped: settings.allowUntypedAccessTokens }));
  } catch (error) {
    if (error instanceof JwtError) return null;
    throw error;
  }
  const subject = String(claims.sub);
  // The same user id /external/mcp derives, so its `note:` key is the one save_note wrote.
  const userId = `external_${(await sha256Base64url(`${settings.issuer} ${subject}`)).slice(0, 22)}`;
  const clientId = [claims.client_id, claims.azp].find((value) => typeof value === 'string') as string | undefined;
  return {
    kind: 'external',
    ...stateBase(row, resource, userId, await noteRecord(context.env.OAUTH_KV, userId)),
    provider: { name: settings.name, issuer: settings.issuer, simulated: settings.simulated },
    token: {
      masked: maskSecret(token),
      claims: {
        issuer: settings.issuer,
        subject,
        audience: (claims.aud as string | string[] | undefined) ?? [],
        scope: scopesOf(claims),
        ...(clientId && { clientId }),
        ...(typeof claims.iat === 'number' && { issuedAt: claims.iat }),
        ...(typeof claims.exp === 'number' && { expiresAt: claims.exp }),
        ...(keyId && { keyId }),
      },
    },
    grant: null,
    tokens: [],
    caches: [
      { what: 'discovery', url: `${settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, maxAgeSeconds: DISCOVERY_MAX_AGE_SECONDS },
      { what: 'jwks', url: jwksUri, maxAgeSeconds: JWKS_MAX_AGE_SECONDS },
    ],
  };
}

/** As /external/mcp reads them: `scope` (space-separated), or `scp` (a list or a string). */
function scopesOf(claims: JwtClaims): string[] {
  const value = claims.scope ?? claims.scp;
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(' ') : [];
  return list.filter((scope): scope is string => typeof scope === 'string' && scope.length > 0);
}

// ---------------------------------------------------------------------------------------------
// Shared

async function noteRecord(kv: KVNamespace, userId: string): Promise<NoteRecordView | null> {
  const key = `note:${userId}`;
  if (!fitsKvLookup(key)) return null;
  const [raw, kvExpiresAt] = await Promise.all([kv.get(key, 'text'), kvExpiry(kv, key)]);
  if (raw === null) return null;
  let stored: unknown;
  try {
    stored = JSON.parse(raw);
  } catch {
    stored = [];
  }
  // As save_note reads them: plain strings (older notes) or { text, tag? }.
  const notes = (Array.isArray(stored) ? stored : []).flatMap((note): { text: string; tag?: string }[] => {
    if (typeof note === 'string') return [{ text: note }];
    if (typeof note === 'object' && note !== null && typeof note.text === 'string') return [{ text: note.text, ...(typeof note.tag === 'string' && { tag: note.tag }) }];
    return [];
  });
  return { key, kvExpiresAt, count: notes.length, bytes: new TextEncoder().encode(raw).length, notes };
}

/** When KV deletes `key` (its `expiration`, which only a listing reports), or null. */
async function kvExpiry(kv: KVNamespace, key: string): Promise<number | null> {
  const listed = await kv.list({ prefix: key, limit: 10 });
  return listed.keys.find((entry) => entry.name === key)?.expiration ?? null;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Bytes encoded by a standard base64 string. */
function base64Bytes(value: string): number {
  if (!value) return 0;
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return Math.floor((value.length * 3) / 4) - padding;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function unauthorized(description: string, invalidToken: boolean): Response {
  // RFC 6750 §3: no error code when no token was sent at all.
  const challenge = invalidToken ? `Bearer error="invalid_token", error_description="${description.replace(/"/g, "'")}"` : 'Bearer';
  return refuse(401, 'invalid_token', description, { 'WWW-Authenticate': challenge });
}

function refuse(status: number, error: GrantStateError['error'], description: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error, error_description: description } satisfies GrantStateError, { status, headers: { ...NO_STORE, ...headers } });
}
