import type { ExternalGrantState, GrantRecordView, GrantState, IssuedHereGrantState, MaskedSecret, NoteRecordView, StoredField, TokenRecordView } from '../../server/lab/grant-state';

/**
 * What the Worker keeps, in plain words: GET /lab/grant-state's answer (server/lab/grant-state.ts)
 * turned into one block per record — what it is, why it is there, when it goes (in local time) —
 * and its fields. Pure, so it is tested in Node; server-state.ts draws it.
 */
export interface FieldView {
  term: string;
  /** Text, or a masked secret (drawn as such, with why). */
  detail: string;
  /** Monospaced: keys, hashes, URLs, ids, masked values. */
  mono?: boolean;
  /** The value is a secret the Worker replaced by a prefix and a length. */
  masked?: boolean;
  /** A short explanation beside the value. */
  note?: string;
}

export interface RecordView {
  /** Stable, for tests and styling: `grant`, `token-current`, `token-1`, `props`, `upstream`, `note`, `none`, `claims`, `caches`. */
  id: string;
  title: string;
  /** The KV key, when the record is one (`grant:<userId>:<grantId>`). */
  kvKey: string | null;
  /** What it is, why it is there, when it goes. */
  explanation: string;
  fields: FieldView[];
}

export interface GrantStateView {
  /** One sentence: which option, who issued the token, what the Worker keeps. */
  summary: string;
  records: RecordView[];
}

export interface WordOptions {
  /** Now, in seconds since the epoch (default: the clock). */
  now?: number;
  /** For tests: format times in this zone instead of the browser's. */
  timeZone?: string;
  locale?: string;
}

export const LIBRARY_STORAGE_SCHEMA = 'https://github.com/cloudflare/workers-oauth-provider/blob/main/storage-schema.md';

export function describeGrantState(state: GrantState, options: WordOptions = {}): GrantStateView {
  const time = clock(options);
  return state.kind === 'grant' ? describeIssuedHere(state, time) : describeExternal(state, time);
}

// ---------------------------------------------------------------------------------------------

type Clock = { now: number; at(seconds: number): string; when(seconds: number): string };

function clock({ now = Math.floor(Date.now() / 1000), timeZone, locale }: WordOptions): Clock {
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', ...(timeZone && { timeZone }) });
  const at = (seconds: number) => format.format(new Date(seconds * 1000));
  return { now, at, when: (seconds) => `${at(seconds)} (${relative(seconds - now)})` };
}

/** "in 59 minutes", "3 minutes ago", "in 30 days". */
export function relative(deltaSeconds: number): string {
  const size = Math.abs(deltaSeconds);
  const [amount, unit] =
    size < 90 ? [Math.round(size), 'second'] : size < 90 * 60 ? [Math.round(size / 60), 'minute'] : size < 36 * 3600 ? [Math.round(size / 3600), 'hour'] : [Math.round(size / 86400), 'day'];
  const phrase = `${amount} ${unit}${amount === 1 ? '' : 's'}`;
  return deltaSeconds >= 0 ? `in ${phrase}` : `${phrase} ago`;
}

const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));
const audienceText = (audience: string | string[] | null) => (audience === null ? 'none recorded' : Array.isArray(audience) ? list(audience) : audience);
const secretText = (secret: MaskedSecret) => secret.text;

/** A stored field as a row: a secret stays masked and says so. */
function storedField(field: StoredField): FieldView {
  if (field.secret) return { term: field.path, detail: secretText(field.secret), mono: true, masked: true, note: 'masked: only a prefix and the length leave the Worker' };
  return { term: field.path, detail: field.value === null || field.value === undefined ? 'null' : String(field.value) };
}

/** "KV deletes it …": from the key's expiry, or never. */
function kvLifetime(kvExpiresAt: number | null, time: Clock, never: string): string {
  return kvExpiresAt === null ? never : `KV deletes it on ${time.when(kvExpiresAt)}.`;
}

// ---------------------------------------------------------------------------------------------
// Options 1, 2, 3a

const SIGNED_IN_BY: Record<string, string> = {
  worker: 'The Worker signed you in itself and issued the tokens',
  github: 'GitHub signed you in; the Worker issued the tokens',
  'oidc-proxy': 'Your OpenID provider signed you in; the Worker issued the tokens',
};

function describeIssuedHere(state: IssuedHereGrantState, time: Clock): GrantStateView {
  const who = SIGNED_IN_BY[state.option] ?? 'The Worker issued the tokens';
  const summary =
    `Option ${state.optionNumber}: ${who}, so it keeps a grant for you and one record per access token — ` +
    'hashes and encrypted data, never a token itself.' +
    (state.upstream ? ` The provider’s own token is inside the grant’s encrypted props.` : '');
  const records: RecordView[] = [];
  if (state.grant) records.push(grantRecord(state.grant, state, time));
  else {
    records.push({
      id: 'grant',
      title: 'The grant',
      kvKey: `grant:${state.presentedToken.userId}:${state.presentedToken.grantId}`,
      explanation: 'The grant was gone when the Worker looked for it (revoked a moment ago?). Its token records go with it.',
      fields: [],
    });
  }
  state.tokens.forEach((token, index) => records.push(tokenRecord(token, index, time)));
  records.push(propsRecord(state));
  if (state.upstream) records.push(upstreamRecord(state));
  records.push(noteRecord(state.note, state.userId, time, false));
  return { summary, records };
}

function grantRecord(grant: GrantRecordView, state: IssuedHereGrantState, time: Clock): RecordView {
  const fields: FieldView[] = [
    { term: 'User id', detail: grant.userId, mono: true },
    { term: 'Client', detail: grant.clientId, mono: true, note: 'the app you consented to' },
    { term: 'Scopes granted', detail: list(grant.scope) },
    { term: 'Resource', detail: audienceText(grant.resource), mono: true, note: 'the audience every token of this grant is for' },
  ];
  if (grant.redirectUri) fields.push({ term: 'Redirect URI', detail: grant.redirectUri, mono: true });
  fields.push({ term: 'Created', detail: time.at(grant.createdAt) });
  if (grant.expiresAt !== null) fields.push({ term: 'Expires', detail: time.when(grant.expiresAt) });
  if (grant.metadata.length > 0) {
    fields.push({
      term: 'metadata',
      detail: grant.metadata.map((field) => `${field.path}: ${storedField(field).detail}`).join(' · '),
      note: 'stored in clear, for listing grants: nothing secret goes there',
    });
  }
  if (grant.authorizationCode) {
    fields.push({
      term: 'Authorization code (SHA-256)',
      detail: grant.authorizationCode.idHash,
      mono: true,
      note: grant.authorizationCode.exchanged
        ? 'exchanged: its key copy is deleted, so a replay is recognised and refused'
        : 'not exchanged yet: it works once, within 10 minutes',
    });
  }
  if (grant.pkce) fields.push({ term: 'PKCE challenge', detail: `${grant.pkce.challenge} (${grant.pkce.method})`, mono: true, note: 'checked against the verifier at the token endpoint' });
  if (grant.refreshToken) {
    fields.push({ term: 'Refresh token (SHA-256)', detail: grant.refreshToken.idHash, mono: true, note: 'the refresh token itself is only in your client' });
    if (grant.refreshToken.previousIdHash) {
      fields.push({
        term: 'Previous refresh token (SHA-256)',
        detail: grant.refreshToken.previousIdHash,
        mono: true,
        note: 'still accepted until the new one is first used, in case the client missed the answer',
      });
    }
  }
  for (const key of grant.wrappedKeys) {
    fields.push({ term: `Key wrapped for the ${WRAPPED_FOR[key.for]}`, detail: `${key.bytes} bytes`, note: 'the props’ key, which only that token can unwrap' });
  }
  fields.push({
    term: 'props',
    detail: `encrypted (${grant.encryptedProps.bytes} bytes): holds ${list(grant.encryptedProps.holds)}`,
    note: 'AES-GCM; the key is stored only wrapped by each token, so reading KV alone decrypts nothing',
  });
  return {
    id: 'grant',
    title: 'The grant',
    kvKey: grant.key,
    explanation:
      'Your consent, recorded by the OAuth library when the Worker called completeAuthorization: who (you), which app (the client), ' +
      'which scopes, for which resource. The refresh token is checked against it, and revoking it revokes every token it issued. ' +
      kvLifetime(grant.kvExpiresAt, time, 'KV keeps it until it is revoked.'),
    fields,
  };
}

const WRAPPED_FOR: Record<GrantRecordView['wrappedKeys'][number]['for'], string> = {
  'authorization-code': 'authorization code',
  'refresh-token': 'refresh token',
  'previous-refresh-token': 'previous refresh token',
};

function tokenRecord(token: TokenRecordView, index: number, time: Clock): RecordView {
  const expired = token.expiresAt <= time.now;
  return {
    id: token.current ? 'token-current' : `token-${index}`,
    title: token.current ? 'Access token record: the token this page holds' : 'Access token record: an earlier token of this grant',
    kvKey: token.key,
    explanation:
      'One record per access token the token endpoint issued. The token is not stored: the last part of the key is its SHA-256, ' +
      'so presenting the token finds the record, and the record cannot be turned back into the token. ' +
      (token.current ? '' : 'This one was issued before a refresh; it works until it expires unless revoked. ') +
      `The token ${expired ? 'expired' : 'expires'} on ${time.when(token.expiresAt)}` +
      (token.kvExpiresAt !== null ? `, and KV deletes the record then.` : '.'),
    fields: [
      { term: 'Token (SHA-256)', detail: token.idHash, mono: true },
      { term: 'Audience', detail: audienceText(token.audience), mono: true, note: 'refused at every other endpoint' },
      { term: 'Scopes', detail: list(token.scope) },
      { term: 'Client', detail: token.clientId, mono: true },
      { term: 'Issued', detail: time.at(token.createdAt) },
      { term: 'Expires', detail: time.when(token.expiresAt) },
      { term: 'Wrapped key', detail: `${token.wrappedKeyBytes} bytes`, note: 'the props’ key, wrapped with a key derived from this token' },
      { term: 'props (its copy)', detail: `encrypted (${token.encryptedPropsBytes} bytes)`, note: 'so a request needs one KV read' },
    ],
  };
}

function propsRecord(state: IssuedHereGrantState): RecordView {
  return {
    id: 'props',
    title: 'The props, as your token unwraps them',
    kvKey: null,
    explanation:
      'The grant’s encrypted props, decrypted with the token this page sent — the way the Worker does on every MCP request, where the tools ' +
      'read them as ctx.props. Props are encrypted because they may hold secrets (a provider’s token); only a token holder can unwrap the key. ' +
      'Secrets stay masked here: the Worker never sends them.',
    fields: state.props.map(storedField),
  };
}

function upstreamRecord(state: IssuedHereGrantState): RecordView {
  const upstream = state.upstream!;
  const provider = upstream.provider ?? 'The provider';
  return {
    id: 'upstream',
    title: `${provider}’s access token`,
    kvKey: null,
    explanation:
      `The Worker signed you in at ${provider} and keeps the access token ${provider} gave it, to call ${provider} for you (this option’s own tool does). ` +
      `It lives only inside the grant’s encrypted props, at ${upstream.propPath}: not in the grant’s metadata, not in any record in clear, ` +
      'and it is never sent to the MCP client, which only ever holds the Worker’s own token. It goes when the grant goes; ' +
      `how long ${provider} honours it is ${provider}’s business.`,
    fields: [
      { term: 'Where', detail: `props.${upstream.propPath} (encrypted)`, mono: true },
      { term: 'Value', detail: secretText(upstream.token), mono: true, masked: true, note: 'masked: only a prefix and the length leave the Worker' },
    ],
  };
}

function noteRecord(note: NoteRecordView | null, userId: string, time: Clock, external: boolean): RecordView {
  const key = note?.key ?? `note:${userId}`;
  const owner = external
    ? 'Your user id here is derived from the provider’s issuer and your subject, so the next token from the provider finds the same notes.'
    : 'It belongs to the user, not to the grant: it stays when the grant is revoked.';
  if (!note) {
    return {
      id: 'note',
      title: 'Your notes',
      kvKey: key,
      explanation: `No such key: you have saved no note. The save_note tool (scope mcp:write) writes one. ${owner}`,
      fields: [],
    };
  }
  return {
    id: 'note',
    title: 'Your notes',
    kvKey: key,
    explanation:
      `Written by the save_note tool: your last 20 notes, as plain JSON — not encrypted, because notes are your data, not credentials. ${owner} ` +
      kvLifetime(note.kvExpiresAt, time, 'It never expires.'),
    fields: [
      { term: 'Notes', detail: String(note.count) },
      { term: 'Size', detail: `${note.bytes} bytes` },
      ...note.notes.map((item, index) => ({ term: `Note ${index + 1}`, detail: item.tag ? `${item.text} [${item.tag}]` : item.text })),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Option 3b

function describeExternal(state: ExternalGrantState, time: Clock): GrantStateView {
  const { provider, token } = state;
  const claims = token.claims;
  const fields: FieldView[] = [
    { term: 'Token', detail: secretText(token.masked), mono: true, masked: true, note: 'masked: only a prefix and the length leave the Worker' },
    { term: 'Issuer (iss)', detail: claims.issuer, mono: true },
    { term: 'Subject (sub)', detail: claims.subject, mono: true },
    { term: 'Audience (aud)', detail: audienceText(claims.audience), mono: true, note: 'must be this endpoint' },
    { term: 'Scopes', detail: list(claims.scope) },
  ];
  if (claims.clientId) fields.push({ term: 'Client', detail: claims.clientId, mono: true, note: 'registered at the provider, not here' });
  if (claims.issuedAt !== undefined) fields.push({ term: 'Issued (iat)', detail: time.at(claims.issuedAt) });
  if (claims.expiresAt !== undefined) fields.push({ term: 'Expires (exp)', detail: time.when(claims.expiresAt) });
  if (claims.keyId) fields.push({ term: 'Signing key (kid)', detail: claims.keyId, mono: true });
  return {
    summary:
      `Option ${state.optionNumber}: ${provider.name} issued your token, so the Worker keeps no grant and no token record for you — ` +
      'it checks the token on every request and forgets it.',
    records: [
      {
        id: 'none',
        title: 'No grant, no token record',
        kvKey: null,
        explanation:
          `${provider.name} is the authorization server here: it keeps your consent and issued the JWT access token. ` +
          'The Worker is only the resource server: on each request it verifies the token against the provider’s published keys ' +
          '(signature, typ at+jwt, issuer, audience = this endpoint, expiry), then lets the tools read its claims. Nothing about the token is written to KV; ' +
          'revoking it is the provider’s job, and the Worker accepts it until it expires.' +
          (provider.simulated ? ` (${provider.name} runs on this Worker as part of the lab; its records are the provider’s, not the MCP server’s.)` : ''),
        fields: [],
      },
      {
        id: 'claims',
        title: 'What the Worker verified in your token (this request only)',
        kvKey: null,
        explanation: 'Read from the token itself on this request, after the signature checked out; not stored.',
        fields,
      },
      {
        id: 'caches',
        title: 'What it keeps in memory: the provider’s documents',
        kvKey: null,
        explanation:
          'Not storage: copies in the memory of the Worker instance that answered (each instance has its own, lost when it restarts), ' +
          'so it does not fetch them on every request. A token naming a key the copy lacks sends the Worker to the key set again, at most every 30 seconds.',
        fields: state.caches.map((cache) => ({
          term: cache.what === 'jwks' ? 'Key set (JWKS)' : 'Discovery document',
          detail: cache.url,
          mono: true,
          note: `kept ${relativeSpan(cache.maxAgeSeconds)}`,
        })),
      },
      noteRecord(state.note, state.userId, time, true),
    ],
  };
}

const relativeSpan = (seconds: number) => `up to ${relative(seconds).replace(/^in /, '')}`;
