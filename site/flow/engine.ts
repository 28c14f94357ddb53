import { FAILURE_PARAMETER } from '../../server/failure-codes';
import { AUDIENCE_DEMO_PATH } from '../../server/lab/exchange';
import { Recorder, type Sent } from './capture';
import { parseBearerChallenge, type BearerChallenge } from './challenge';
import { audienceCheck, CHECK_FAILURES, issCheck, registrationCheck, stepUpScopesCheck, issuerMatchCheck, resourceSentCheck, s256Check, stateCheck, tokenAudienceCheck } from './checks';
import { explain, failure, observe, type FailureId } from './failures';
import { initializeParams, openSse, PROTOCOL_VERSION, STATELESS_REVISION, statelessHttp, streamableHttp, type McpConnection } from './mcp';
import { newPkce, randomToken } from './pkce';
import { ATTACKER_DOCUMENT_PATH, ATTACKS, failureCodeOf, FOREIGN_RECORD_WAIT_MS, isAttackId, otherEndpointOf, type AttackId } from './attacks';
import type { ActorId, CapturedExchange, FlowCheck, FlowConfig, FlowEnvironment, FlowEvent, FlowFailure, FlowRun, KeptAuthorization, OnDemandAction, ToolCall, Transport } from './types';

/**
 * The in-page MCP client, as a flow of named actions that a learner can step through. Each action
 * makes real HTTP requests (captured by the Recorder) and the checks a careful client makes; the
 * first failure stops the flow with an explanation. The same run serves step mode (`step`), run
 * mode (`run`) and, after the flow succeeded, the on-demand actions (`perform`).
 *
 * What the client knows is built up in order, like a real client's state: the 401 challenge, the
 * protected resource metadata, the authorization server metadata, a client_id, the pending
 * authorization (PKCE verifier, state), the code, the tokens, an MCP connection.
 */
const MAIN_ACTIONS: Record<Transport, readonly string[]> = {
  'streamable-http': ['probe', 'resource-metadata', 'as-metadata', 'register', 'authorize', 'token', 'initialize', 'list-tools', 'call-tool'],
  sse: ['probe', 'resource-metadata', 'as-metadata', 'register', 'authorize', 'token', 'open-stream', 'initialize', 'list-tools', 'call-tool'],
};
/** 2026-07-28 has no handshake: after the token, the client asks the server what it speaks (server/discover). */
const STATELESS_ACTIONS = ['probe', 'resource-metadata', 'as-metadata', 'register', 'authorize', 'token', 'discover', 'list-tools', 'call-tool'];
/**
 * A run that goes on from an authorization kept on another page knows the server, the client and
 * the tokens already: it only connects, which also shows whether the kept token still works.
 */
const RESUMED_ACTIONS: Record<Transport, readonly string[]> = {
  'streamable-http': ['initialize'],
  sse: ['open-stream', 'initialize'],
};
const RESUMED_STATELESS_ACTIONS = ['discover'];
/** What a browser page served from a web origin is (2026-07-28 client registration, SEP-837). */
const APPLICATION_TYPE = 'web';
const STEP_UP_CALL: ToolCall = { name: 'save_note', arguments: { text: 'Saved from the MCP Auth Lab flow player.' } };

interface AuthServerMetadata {
  issuer?: unknown;
  authorization_endpoint: string;
  token_endpoint: string;
  registration_endpoint?: string;
  revocation_endpoint?: string;
  code_challenge_methods_supported?: unknown;
  authorization_response_iss_parameter_supported?: boolean;
  client_id_metadata_document_supported?: boolean;
}
interface Tokens {
  access_token: string;
  refresh_token?: string;
  scope?: string;
}
type Json = Record<string, unknown>;

/** Ends the current action: with a failure to report, or null when the run was cancelled. */
class Stop extends Error {
  readonly failure: FlowFailure | null;
  constructor(failure: FlowFailure | null) {
    super(failure?.title ?? 'cancelled');
    this.failure = failure;
  }
}

/** A run of the whole flow; or, given a kept authorization for the same endpoint, one that goes on from it. */
export function createFlowRun(config: FlowConfig, env: FlowEnvironment, resume?: KeptAuthorization): FlowRun {
  const revision = (kept: { revision?: string }) => kept.revision ?? PROTOCOL_VERSION;
  if (resume && (resume.serverUrl !== config.serverUrl || resume.transport !== config.transport || revision(resume) !== revision(config))) {
    throw new Error(`The kept authorization is for ${resume.serverUrl} (${resume.transport}, ${revision(resume)}), not ${config.serverUrl} (${config.transport}, ${revision(config)})`);
  }
  return new Flow(config, env, resume);
}

class Flow implements FlowRun {
  readonly config: FlowConfig;
  readonly #env: FlowEnvironment;
  readonly #http: Recorder;
  readonly #abort = new AbortController();
  readonly #events: FlowEvent[] = [];
  readonly #listeners = new Set<(event: FlowEvent) => void>();
  readonly #actions: readonly string[];
  #next = 0;
  #paused = false;
  #busy: Promise<unknown> | null = null;
  #outcome: 'success' | 'failed' | 'cancelled' | null = null;

  /** Speaking 2026-07-28: no initialize, metadata on every request. */
  readonly #stateless: boolean;

  // What the client has learnt so far.
  readonly #serverUrl: string;
  readonly #origin: string;
  #redirectUri: string;
  #challenge: BearerChallenge = {};
  #scopesSupported?: string[];
  #issuer = '';
  #server?: AuthServerMetadata;
  #clientId = '';
  #pending?: { url: URL; verifier: string; state: string; scopes: string[] };
  #code = '';
  #tokens?: Tokens;
  #obtainedAt = 0;
  #expiresAt?: number;
  #revoked = false;
  #mcp?: McpConnection;

  constructor(config: FlowConfig, env: FlowEnvironment, resume?: KeptAuthorization) {
    this.config = config;
    this.#env = env;
    this.#serverUrl = config.serverUrl;
    // The lab page and the server share an origin: the page's callback and client documents live there.
    this.#origin = new URL(config.serverUrl).origin;
    this.#redirectUri = `${this.#origin}/lab/callback`;
    this.#stateless = config.revision === STATELESS_REVISION;
    if (this.#stateless && config.transport !== 'streamable-http') throw new Error(`${STATELESS_REVISION} has no HTTP+SSE transport`);
    this.#actions = this.#stateless ? (resume ? RESUMED_STATELESS_ACTIONS : STATELESS_ACTIONS) : (resume ? RESUMED_ACTIONS : MAIN_ACTIONS)[config.transport];
    if (resume) {
      this.#issuer = resume.issuer;
      this.#server = { ...resume.authorizationServer };
      this.#clientId = resume.clientId;
      this.#redirectUri = resume.redirectUri;
      this.#tokens = { ...resume.tokens };
      this.#obtainedAt = resume.obtainedAt;
      this.#expiresAt = resume.expiresAt;
    }
    this.#http = new Recorder({ fetch: env.fetch, now: () => env.now(), traceId: env.traceId, emit: (exchange) => this.#emit({ type: 'exchange', exchange }) });
  }

  get nextAction(): string | null {
    return this.#outcome ? null : (this.#actions[this.#next] ?? null);
  }
  get finished(): boolean {
    return this.#outcome !== null;
  }

  on(listener: (event: FlowEvent) => void): () => void {
    this.#events.forEach(listener);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  step(): Promise<void> {
    return this.#exclusive(async () => {
      await this.#advance();
    });
  }

  run(): Promise<void> {
    this.#paused = false;
    return this.#exclusive(async () => {
      while (!this.#paused && (await this.#advance()));
    });
  }

  pause(): void {
    this.#paused = true;
  }

  cancel(): void {
    this.#abort.abort();
    this.#mcp?.close();
    this.#finish('cancelled');
  }

  async perform(action: OnDemandAction, options: { toolCall?: ToolCall; attack?: AttackId } = {}): Promise<'success' | 'failed' | 'cancelled'> {
    while (this.#busy) await this.#busy.catch(() => {}); // after whatever is running, never joined to it
    return this.#exclusive(async () => {
      if (this.#outcome !== 'success') return this.#abort.signal.aborted ? 'cancelled' : 'failed';
      const body = {
        refresh: () => this.#refresh(),
        'step-up': () => this.#stepUp(options.toolCall ?? STEP_UP_CALL),
        revoke: () => this.#revoke(),
        attack: () => this.#attack(options.attack),
      }[action];
      return this.#act(action, body);
    });
  }

  kept(): KeptAuthorization | null {
    const server = this.#server;
    if (this.#outcome !== 'success' || this.#revoked || !this.#tokens || !server) return null;
    return {
      serverUrl: this.#serverUrl,
      transport: this.config.transport,
      ...(this.config.revision && { revision: this.config.revision }),
      registration: this.config.registration,
      issuer: this.#issuer,
      authorizationServer: {
        authorization_endpoint: server.authorization_endpoint,
        token_endpoint: server.token_endpoint,
        ...(server.revocation_endpoint && { revocation_endpoint: server.revocation_endpoint }),
        ...(server.authorization_response_iss_parameter_supported !== undefined && {
          authorization_response_iss_parameter_supported: server.authorization_response_iss_parameter_supported,
        }),
      },
      clientId: this.#clientId,
      redirectUri: this.#redirectUri,
      tokens: { ...this.#tokens },
      obtainedAt: this.#obtainedAt,
      ...(this.#expiresAt !== undefined && { expiresAt: this.#expiresAt }),
    };
  }

  // ── driving ───────────────────────────────────────────────────────────────────────────────

  /** One thing at a time: a second Step or Run while an action runs joins it instead of starting another. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.#busy) return this.#busy as Promise<T>;
    const running = work().finally(() => (this.#busy = null));
    this.#busy = running;
    return running;
  }

  /** Performs the next main action; false when there is nothing more to do. */
  async #advance(): Promise<boolean> {
    const name = this.nextAction;
    if (!name) return false;
    const outcome = await this.#act(name, () => this.#main(name));
    if (outcome !== 'success') return false;
    this.#next++;
    if (this.#next === this.#actions.length) this.#finish('success');
    return this.#next < this.#actions.length;
  }

  async #act(name: string, body: () => Promise<void>): Promise<'success' | 'failed' | 'cancelled'> {
    this.#emit({ type: 'action', action: name, phase: 'start', at: this.#env.now() });
    let outcome: 'success' | 'failed' | 'cancelled' = 'success';
    try {
      await body();
    } catch (error) {
      outcome = this.#abort.signal.aborted || (error instanceof Stop && !error.failure) ? 'cancelled' : 'failed';
      if (outcome === 'failed') {
        const reported = error instanceof Stop ? error.failure! : failure('unexpected-response', String(error));
        this.#emit({ type: 'failure', failure: reported });
      }
    }
    this.#emit({ type: 'action', action: name, phase: 'end', at: this.#env.now() });
    if (outcome !== 'success' && this.#next < this.#actions.length) this.#finish(outcome);
    return outcome;
  }

  #main(name: string): Promise<void> {
    switch (name) {
      case 'probe': return this.#probe();
      case 'resource-metadata': return this.#resourceMetadata();
      case 'as-metadata': return this.#authServerMetadata();
      case 'register': return this.#register();
      case 'authorize': return this.#authorize(this.config.scopes ?? this.#challenge.scope ?? this.#scopesSupported ?? []);
      case 'token': return this.#redeemCode();
      case 'open-stream': return this.#openStream();
      case 'initialize': return this.#initialize();
      case 'discover': return this.#discover();
      case 'list-tools': return this.#rpc('tools/list').then(() => {});
      case 'call-tool': return this.#callTool(this.config.toolCall ?? { name: 'whoami', arguments: {} });
      default: throw new Error(`unknown action ${name}`);
    }
  }

  #emit(event: FlowEvent): void {
    this.#events.push(event);
    for (const listener of this.#listeners) listener(event);
  }

  #finish(outcome: 'success' | 'failed' | 'cancelled'): void {
    if (this.#outcome) return;
    this.#outcome = outcome;
    this.#emit({ type: 'finished', outcome });
  }

  // ── the main flow ─────────────────────────────────────────────────────────────────────────

  /** MCP: a request without a token gets 401, and its WWW-Authenticate says where to start. */
  async #probe(): Promise<void> {
    let sent: Sent;
    if (this.config.transport === 'sse') {
      const opened = await this.#http.open('mcp', this.#serverUrl, { headers: { Accept: 'text/event-stream' }, signal: this.#signal() });
      void opened.reader?.cancel(); // a server that lets anyone in would keep the stream open
      sent = opened;
    } else if (this.#stateless) {
      // 2026-07-28: no handshake to start with; the client's first request is a real one.
      this.#mcp = statelessHttp(this.#http, this.#serverUrl, this.#signal());
      sent = (await this.#mcp.request('server/discover', {}, undefined)).sent;
    } else {
      this.#mcp = streamableHttp(this.#http, this.#serverUrl, this.#signal());
      sent = (await this.#mcp.request('initialize', initializeParams(), undefined)).sent;
    }
    if (sent.exchange.status !== 401) throw this.#refused(sent);
    this.#challenge = parseBearerChallenge(sent.header('www-authenticate')) ?? {};
  }

  /** RFC 9728: the address from the challenge, else the well-known addresses for this URL. */
  async #resourceMetadata(): Promise<void> {
    const url = new URL(this.#serverUrl);
    const wellKnown = `${url.origin}/.well-known/oauth-protected-resource`;
    const candidates = this.#challenge.resourceMetadata
      ? [this.#challenge.resourceMetadata]
      : [...(url.pathname === '/' ? [] : [wellKnown + url.pathname]), wellKnown];
    const metadata = await this.#firstDocument('mcp', candidates, this.#challenge.resourceMetadata ? null : 'no-resource-metadata');
    this.#check(audienceCheck(this.#serverUrl, metadata.resource));
    const issuer = (metadata.authorization_servers as unknown[] | undefined)?.[0];
    if (typeof issuer !== 'string') throw new Stop(failure('no-authorization-server', JSON.stringify(metadata)));
    this.#issuer = issuer;
    if (Array.isArray(metadata.scopes_supported)) this.#scopesSupported = metadata.scopes_supported as string[];
  }

  /** RFC 8414 §3.1 with the OpenID fallbacks MCP requires, path-aware; then the issuer and S256 checks. */
  async #authServerMetadata(): Promise<void> {
    const issuer = new URL(this.#issuer);
    const path = issuer.pathname === '/' ? '' : issuer.pathname;
    const base = issuer.origin;
    const candidates = path
      ? [`${base}/.well-known/oauth-authorization-server${path}`, `${base}/.well-known/openid-configuration${path}`, `${base}${path}/.well-known/openid-configuration`]
      : [`${base}/.well-known/oauth-authorization-server`, `${base}/.well-known/openid-configuration`];
    const metadata = await this.#firstDocument('as', candidates, 'no-as-metadata');
    this.#check(issuerMatchCheck(this.#issuer, metadata.issuer));
    this.#check(s256Check(metadata.code_challenge_methods_supported));
    for (const field of ['authorization_endpoint', 'token_endpoint']) {
      if (typeof metadata[field] !== 'string') throw new Stop(failure('unexpected-response', `The metadata has no ${field}.`));
    }
    this.#server = metadata as unknown as AuthServerMetadata;
  }

  async #register(): Promise<void> {
    const applicationType = await this.#registerClient();
    // 2026-07-28 ranks the ways to a client_id: the player says where this one stands.
    if (this.#stateless) this.#check(registrationCheck(this.config.registration, applicationType));
  }

  /** Gets a client_id the configured way; for DCR, says which application_type it registered. */
  async #registerClient(): Promise<string | undefined> {
    const server = this.#server!;
    switch (this.config.registration) {
      case 'dcr': {
        // RFC 7591: a public client (no secret: a page cannot keep one) with the lab's callback.
        if (!server.registration_endpoint) throw new Stop(failure('dcr-unsupported'));
        const sent = await this.#http.send('as', server.registration_endpoint, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({
            client_name: 'MCP Auth Lab (in your browser)',
            redirect_uris: [this.#redirectUri],
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            token_endpoint_auth_method: 'none',
            // 2026-07-28 (SEP-837): say what kind of app this is, so OpenID providers apply the right redirect rules.
            ...(this.#stateless && { application_type: APPLICATION_TYPE }),
          }),
          signal: this.#signal(),
        });
        this.#clientId = this.#field(sent, 'client_id', 201);
        return this.#stateless ? APPLICATION_TYPE : undefined;
      }
      case 'cimd': {
        // The client_id is the URL of the page's own metadata document; the AS fetches it itself.
        if (server.client_id_metadata_document_supported !== true) throw new Stop(failure('cimd-unsupported'));
        this.#clientId = `${this.#origin}/lab/client-metadata.json`;
        if (new URL(this.#clientId).protocol !== 'https:') throw new Stop(failure('cimd-needs-https', `client_id would be ${this.#clientId}`));
        return undefined;
      }
      case 'preregistered': {
        // An administrator registered this client ahead of time; the page only looks its id up.
        const sent = await this.#http.send('client', `${this.#origin}/lab/client`, { headers: { Accept: 'application/json' }, signal: this.#signal() });
        this.#clientId = this.#field(sent, 'client_id', 200);
        const registered = this.#json(sent).redirect_uri;
        if (typeof registered === 'string') this.#redirectUri = registered;
      }
    }
  }

  /** RFC 6749 §4.1.1 with PKCE (RFC 7636) and resource (RFC 8707), in the user's browser; then the callback checks. */
  async #authorize(scopes: string[]): Promise<void> {
    const server = this.#server!;
    const { verifier, challenge } = await newPkce();
    const state = randomToken(16);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: this.#clientId,
      redirect_uri: this.#redirectUri,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    if (scopes.length > 0) params.scope = scopes.join(' ');
    if (this.config.sabotage !== 'omit-resource') params.resource = this.#serverUrl;
    const url = this.#authorizationUrl(params);
    this.#pending = { url, verifier, state, scopes };

    const callback = await this.#inWindow(url);
    // Sabotage: the callback arrives with a state this client never sent, as a forged one would.
    if (this.config.sabotage === 'wrong-state') callback.searchParams.set('state', randomToken(16));
    this.#check(stateCheck(state, callback));
    this.#check(issCheck(this.#issuer, server.authorization_response_iss_parameter_supported === true, callback, this.config.revision));
    const error = callback.searchParams.get('error');
    if (error) {
      const description = callback.searchParams.get('error_description') ?? undefined;
      const failureCode = callback.searchParams.get(FAILURE_PARAMETER) ?? undefined;
      throw new Stop(explain({ error, description, failure: failureCode, said: `error=${error}${description ? `, error_description=${description}` : ''}` }));
    }
    const code = callback.searchParams.get('code');
    if (!code) throw new Stop(failure('unexpected-response', `The callback has neither code nor error: ${callback.search}`));
    this.#code = code;
  }

  /** RFC 6749 §4.1.3: the code and the PKCE verifier for tokens, for this resource. */
  async #redeemCode(): Promise<void> {
    const pending = this.#pending!;
    const sabotage = this.config.sabotage;
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code: this.#code,
      redirect_uri: this.#redirectUri,
      client_id: this.#clientId,
      // Sabotage: a verifier this client never hashed into the challenge.
      code_verifier: sabotage === 'wrong-verifier' ? (await newPkce()).verifier : pending.verifier,
    });
    if (sabotage !== 'omit-resource') form.set('resource', this.#serverUrl);
    const sent = await this.#postForm(this.#server!.token_endpoint, form);
    this.#tokens = this.#tokensFrom(sent, pending.scopes);
    this.#check(resourceSentCheck(this.#serverUrl, pending.url, form));
    const audience = tokenAudienceCheck(this.#serverUrl, this.#tokens.access_token);
    if (audience) this.#check(audience);
    if (sabotage === 'replay-code') {
      // Sabotage: redeem the same code again, as an attacker holding a stolen code would.
      const again = await this.#postForm(this.#server!.token_endpoint, form);
      throw again.exchange.status === 200 ? new Stop(failure('replay-accepted', again.text, again.exchange.id)) : this.#refused(again);
    }
  }

  /** Legacy SSE: the stream opens with the token and names the URL to POST messages to. */
  async #openStream(): Promise<void> {
    const { opened, connection, problem } = await openSse(this.#http, this.#serverUrl, this.#tokens!.access_token, this.#signal());
    if (!connection) throw problem ? new Stop(failure('unexpected-response', problem, opened.exchange.id)) : this.#refused(opened);
    this.#mcp = connection;
  }

  /** MCP lifecycle: initialize, then the initialized notification. */
  async #initialize(): Promise<void> {
    if (this.config.transport === 'streamable-http') this.#mcp = streamableHttp(this.#http, this.#serverUrl, this.#signal());
    await this.#rpc('initialize', initializeParams());
    const { sent } = await this.#mcp!.notify('notifications/initialized', this.#tokens!.access_token);
    if (!sent.exchange.status || sent.exchange.status >= 300) throw this.#refused(sent);
  }

  /** 2026-07-28: server/discover says which revisions, capabilities and identity the server has. */
  async #discover(): Promise<void> {
    this.#mcp ??= statelessHttp(this.#http, this.#serverUrl, this.#signal());
    const result = await this.#rpc('server/discover');
    const versions = result.supportedVersions;
    if (Array.isArray(versions) && !versions.includes(STATELESS_REVISION)) {
      throw new Stop(failure('unexpected-response', `The server supports ${versions.join(', ')}, not ${STATELESS_REVISION}.`));
    }
  }

  async #callTool(call: { name: string; arguments: Record<string, unknown> }): Promise<void> {
    const result = await this.#rpc('tools/call', call);
    if (result.isError === true) {
      const text = (result.content as { text?: string }[] | undefined)?.map((part) => part.text ?? '').join('\n');
      throw new Stop(failure('tool-error', text));
    }
  }

  // ── on demand ─────────────────────────────────────────────────────────────────────────────

  /** RFC 6749 §6: a new access token without the user; the server rotates the refresh token too. */
  async #refresh(): Promise<void> {
    const tokens = this.#tokens!;
    if (!tokens.refresh_token) throw new Stop(failure('no-refresh-token'));
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: this.#clientId, resource: this.#serverUrl });
    const sent = await this.#postForm(this.#server!.token_endpoint, form);
    this.#tokens = this.#tokensFrom(sent, this.#granted());
  }

  /** MCP step-up: a 403 insufficient_scope names the scopes needed; authorize again with the union. */
  async #stepUp(call: ToolCall): Promise<void> {
    const first = await this.#mcp!.request('tools/call', { ...call }, this.#tokens!.access_token);
    if (first.sent.exchange.status === 200 || first.sent.exchange.status === 202) {
      this.#rpcResult(first); // the token already had the scope
      return;
    }
    const challenge = parseBearerChallenge(first.sent.header('www-authenticate'));
    if (first.sent.exchange.status !== 403 || challenge?.error !== 'insufficient_scope') throw this.#refused(first.sent);
    const requested = [...new Set([...this.#granted(), ...(challenge.scope ?? [])])];
    this.#check(stepUpScopesCheck(this.#granted(), challenge.scope ?? [], requested, this.config.revision));
    await this.#authorize(requested);
    await this.#redeemCode();
    if (this.config.transport === 'sse') {
      // A legacy SSE session keeps the identity it was opened with: open a new one with the new token.
      this.#mcp!.close();
      await this.#openStream();
      await this.#initialize();
    }
    await this.#callTool(call);
  }

  /** RFC 7009: revoke the refresh token (ending the grant), then show that the access token is dead too. */
  async #revoke(): Promise<void> {
    const endpoint = this.#server!.revocation_endpoint;
    if (!endpoint) throw new Stop(failure('no-revocation-endpoint'));
    const tokens = this.#tokens!;
    const [token, hint] = tokens.refresh_token ? [tokens.refresh_token, 'refresh_token'] : [tokens.access_token, 'access_token'];
    const sent = await this.#postForm(endpoint, new URLSearchParams({ token, token_type_hint: hint, client_id: this.#clientId }));
    if (sent.exchange.status !== 200) throw this.#refused(sent);
    this.#revoked = true;
    const after = await this.#mcp!.request('tools/list', undefined, tokens.access_token);
    if (after.sent.exchange.status === 401) return;
    throw after.sent.exchange.status && after.sent.exchange.status < 300
      ? new Stop(failure('revocation-ignored', after.sent.text, after.sent.exchange.id))
      : this.#refused(after.sent);
  }

  // ── attack labs (site/flow/attacks.ts) ─────────────────────────────────────────────────────

  /** Makes the attacker's requests; succeeds when the server refuses the last one as the lab expects. */
  async #attack(id: AttackId | undefined): Promise<void> {
    if (!isAttackId(id)) throw new Error(`unknown attack ${String(id)}`);
    const attacker = (to: ActorId, url: string, init: RequestInit) => this.#http.send(to, url, { ...init, signal: this.#signal() }, 'attacker');
    const attackerJson = (to: ActorId, url: string, body: unknown, headers: Record<string, string>) =>
      attacker(to, url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const MCP_ACCEPT = { Accept: 'application/json, text/event-stream' };
    const registrationEndpoint = this.#server!.registration_endpoint ?? `${this.#origin}/oauth/register`;
    const tokens = this.#tokens!;
    let refusal: Sent;
    switch (id) {
      case 'wrong-audience':
      case 'token-passthrough': {
        // The same token, at an endpoint it was not issued for: this Worker's other MCP endpoint.
        const elsewhere = new URL(otherEndpointOf(new URL(this.#serverUrl).pathname), this.#origin).href;
        refusal = await attackerJson('mcp', elsewhere, { jsonrpc: '2.0', id: 1, method: 'initialize', params: initializeParams() }, { ...MCP_ACCEPT, Authorization: `Bearer ${tokens.access_token}` });
        break;
      }
      case 'audience-unchecked': {
        // The isolated demo (server/lab/audience-demo.ts): the same token where the audience check
        // is switched off. The lab shows the harm, so it goes as taught when the call gets through.
        const through = await attackerJson(
          'mcp',
          new URL(AUDIENCE_DEMO_PATH, this.#origin).href,
          { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
          { ...MCP_ACCEPT, Authorization: `Bearer ${tokens.access_token}`, 'MCP-Protocol-Version': PROTOCOL_VERSION },
        );
        if (through.exchange.status !== ATTACKS[id].expected.status || !/"structuredContent"/.test(through.text)) {
          throw new Stop(failure('unexpected-response', `The demo endpoint did not answer as the switched-off check would: ${through.exchange.status} ${through.text.slice(0, 300)}`, through.exchange.id));
        }
        return;
      }
      case 'stolen-code': {
        // The user signs in again; the code reaches the client's callback; the attacker redeems it
        // first, with the client's public client_id and a verifier of their own.
        await this.#authorize(this.#granted());
        refusal = await this.#postForm(
          this.#server!.token_endpoint,
          new URLSearchParams({ grant_type: 'authorization_code', code: this.#code, redirect_uri: this.#redirectUri, client_id: this.#clientId, code_verifier: (await newPkce()).verifier, resource: this.#serverUrl }),
          'attacker',
        );
        break;
      }
      case 'pkce-downgrade': {
        // The link the attacker tampered with, followed by the user's browser: plain instead of S256.
        const { verifier } = await newPkce();
        const scope = this.#granted().join(' ');
        const url = this.#authorizationUrl({ response_type: 'code', client_id: this.#clientId, redirect_uri: this.#redirectUri, state: randomToken(16), code_challenge: verifier, code_challenge_method: 'plain', resource: this.#serverUrl, ...(scope && { scope }) });
        // Refused: back at the client with invalid_request, and no code for anyone.
        return this.#refusedInWindow(id, url, (callback) => `The callback came back with ${callback.search}`);
      }
      case 'confused-deputy': {
        // The attacker's own client, registered at the Worker (with the lab's callback, so the lab hears the answer).
        const registered = await attackerJson(
          'as',
          registrationEndpoint,
          { client_name: 'Totally Legit App', redirect_uris: [this.#redirectUri], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none' },
          { Accept: 'application/json' },
        );
        const attackerClient = this.#jsonOrNull(registered)?.client_id;
        if (registered.exchange.status !== 201 || typeof attackerClient !== 'string') throw this.#refused(registered);
        // The link the attacker sends you: their client_id, this endpoint as the resource.
        const { challenge } = await newPkce();
        const url = this.#authorizationUrl({ response_type: 'code', client_id: attackerClient, redirect_uri: this.#redirectUri, state: randomToken(16), code_challenge: challenge, code_challenge_method: 'S256', resource: this.#serverUrl, scope: this.#granted().join(' ') || 'mcp:read' });
        return this.#refusedInWindow(id, url, (callback) => `The attacker's client got ${callback.searchParams.has('code') ? 'a code: you allowed it' : callback.search}`);
      }
      case 'session-hijack': {
        // Your session's message URL, with its session id, as it might leak.
        const victimSession = this.#mcp?.messageUrl;
        if (this.config.transport !== 'sse' || !victimSession) throw new Stop(failure('unexpected-response', 'This lab needs a legacy SSE session: run the flow over HTTP+SSE first.'));
        // The attacker signs in as themselves (in the window: sign out, sign in as another user) and redeems their own code.
        await this.#authorize(this.#granted());
        const theirs = await this.#postForm(
          this.#server!.token_endpoint,
          new URLSearchParams({ grant_type: 'authorization_code', code: this.#code, redirect_uri: this.#redirectUri, client_id: this.#clientId, code_verifier: this.#pending!.verifier, resource: this.#serverUrl }),
          'attacker',
        );
        const token = this.#jsonOrNull(theirs)?.access_token;
        if (theirs.exchange.status !== 200 || typeof token !== 'string') throw this.#refused(theirs);
        if (token === this.#tokens?.access_token) throw new Stop(failure('attack-accepted', 'The window signed in as you again: sign out and sign in as another user.'));
        refusal = await attacker('mcp', victimSession, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({ jsonrpc: '2.0', id: 666, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
        });
        break;
      }
      case 'redirect-swap': {
        // A link with the real client_id and the attacker's redirect_uri: the server must not redirect there.
        const { challenge } = await newPkce();
        const url = this.#authorizationUrl({ response_type: 'code', client_id: this.#clientId, redirect_uri: 'https://attacker.example/callback', state: randomToken(16), code_challenge: challenge, code_challenge_method: 'S256', resource: this.#serverUrl });
        const swapped = await attacker('as', url.href, { redirect: 'manual', headers: { Accept: 'text/html' } });
        if (swapped.exchange.status !== 400) throw this.#accepted(swapped);
        // And a client whose redirect URI would run script in the page it lands on.
        refusal = await attackerJson('as', registrationEndpoint, { client_name: 'Attacker', redirect_uris: ['javascript:alert(document.cookie)'], token_endpoint_auth_method: 'none' }, { Accept: 'application/json' });
        break;
      }
      case 'foreign-origin': {
        // A page of another origin sends initialize here, without a token. It reads no answer: the
        // Worker's records of what reached the server are the witness.
        const foreignPage = this.#env.foreignPage;
        if (!foreignPage || !this.#env.workerRecords) throw new Stop(failure('unexpected-response', 'This lab needs a page of another origin and the Worker’s trace: run it in the flow player, with the trace on.'));
        const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: initializeParams() });
        const records = this.#attackerRecords();
        try {
          // As an MCP client sends it: JSON, which the browser sends from another origin only after
          // the server allowed that origin in a preflight.
          const asJson = await foreignPage(this.#serverUrl, { method: 'POST', mode: 'cors', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body }, this.#signal());
          if (asJson.startsWith('HTTP ')) throw new Stop(failure('attack-accepted', `The browser let the page of another origin send JSON here and read the answer (${asJson}): the server allowed its Origin.`));
          // As plain text, which browsers send without asking: the request that reaches the server
          // from a page after DNS rebinding.
          const asText = await foreignPage(this.#serverUrl, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body }, this.#signal());
          await records.until((seen) => seen.some((exchange) => exchange.method === 'POST'), `The page of another origin saw “${asText}”, but the Worker’s record of its request did not arrive.`);
          const { status, failure: code } = ATTACKS[id].expected;
          for (const recorded of records.seen) {
            if (recorded.status !== status || failureCodeOf(recorded.responseBody) !== code) throw this.#recordedAccepted(recorded);
          }
        } finally {
          records.stop();
        }
        return;
      }
      case 'cimd-claimed-redirect': {
        if (new URL(this.#origin).protocol !== 'https:') throw new Stop(failure('cimd-needs-https', `The attacker's client_id would be ${this.#origin}${ATTACKER_DOCUMENT_PATH}`));
        if (this.#server!.client_id_metadata_document_supported !== true) throw new Stop(failure('cimd-unsupported'));
        // The attacker's document (served by the lab) copies your client's name and lists your callback.
        const theirs = { response_type: 'code', client_id: this.#origin + ATTACKER_DOCUMENT_PATH, state: randomToken(16), code_challenge: (await newPkce()).challenge, code_challenge_method: 'S256', resource: this.#serverUrl, scope: 'mcp:read' };
        // 1. Their link, naming your client's callback, followed by your browser: you allow it.
        const callback = await this.#inWindow(this.#authorizationUrl({ ...theirs, redirect_uri: this.#redirectUri }));
        const code = callback.searchParams.get('code');
        if (!code) {
          const denied = callback.searchParams.get('error') === 'access_denied';
          throw new Stop(failure(denied ? 'access-denied' : 'unexpected-response', denied ? 'You pressed Deny, the right answer to an app you do not know. To see what the code would have been worth, run the lab again and press Allow.' : callback.search));
        }
        // 2. Your client never started this sign-in, so its state check refuses the callback. A
        // client that skipped that check would redeem the code: it belongs to the attacker's client_id.
        const redeemed = await this.#postForm(this.#server!.token_endpoint, new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: this.#redirectUri, client_id: this.#clientId, code_verifier: (await newPkce()).verifier, resource: this.#serverUrl }));
        if (redeemed.exchange.status !== 400 || this.#jsonOrNull(redeemed)?.error !== 'invalid_grant') throw this.#accepted(redeemed);
        // 3. The attacker asks for a code at their own address, which their document does not list.
        refusal = await attacker('as', this.#authorizationUrl({ ...theirs, redirect_uri: 'https://attacker.example/callback' }).href, { redirect: 'manual', headers: { Accept: 'text/html' } });
        break;
      }
    }
    const expected = ATTACKS[id].expected;
    const error = (parseBearerChallenge(refusal.header('www-authenticate'))?.error ?? (this.#jsonOrNull(refusal)?.error as string | undefined)) || undefined;
    if (refusal.exchange.status !== expected.status || (expected.error && error !== expected.error)) throw this.#accepted(refusal);
  }

  /** An authorization request to this authorization server with these parameters. */
  #authorizationUrl(params: Record<string, string>): URL {
    const url = new URL(this.#server!.authorization_endpoint);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url;
  }

  /** Sends the user's window to `url` and waits for the callback it comes back with. */
  async #inWindow(url: URL): Promise<URL> {
    try {
      return new URL(await this.#env.authorize(url, this.#signal()));
    } catch (error) {
      if (this.#abort.signal.aborted) throw new Stop(null);
      const blocked = error instanceof Error && error.name === 'PopupBlockedError';
      throw new Stop(failure(blocked ? 'popup-blocked' : 'window-closed', error instanceof Error ? error.message : String(error)));
    }
  }

  /** A lab that ends in the user's window: refused when the callback carries the expected error and no code. */
  async #refusedInWindow(id: AttackId, url: URL, accepted: (callback: URL) => string): Promise<void> {
    const callback = await this.#inWindow(url);
    if (callback.searchParams.get('error') !== ATTACKS[id].expected.error || callback.searchParams.has('code')) {
      throw new Stop(failure('attack-accepted', accepted(callback)));
    }
  }

  /** The attack was not refused as expected: the lab's failure, on that request. */
  #accepted(sent: Sent): Stop {
    if (this.#abort.signal.aborted) return new Stop(null);
    return this.#recordedAccepted({ ...sent.exchange, responseBody: sent.text });
  }

  /** The same for a request the Worker recorded (the page could not see it). */
  #recordedAccepted(exchange: CapturedExchange): Stop {
    return new Stop(failure('attack-accepted', `${exchange.method} ${new URL(exchange.url).pathname} → ${exchange.status ?? 'no answer'}: ${(exchange.responseBody ?? '').slice(0, 300)}`, exchange.id));
  }

  /**
   * The attacker's requests the Worker records from now on (the Origin lab's foreign page cannot
   * read its answers; the Worker's trace is the witness), and a way to wait for one.
   */
  #attackerRecords() {
    const before = new Set<string>();
    const seen: CapturedExchange[] = [];
    let listening = false;
    let wake = () => {};
    const stop = this.#env.workerRecords!((exchange) => {
      if (!listening) return void before.add(exchange.id); // the backlog, replayed synchronously
      if (exchange.from !== 'attacker' || before.has(exchange.id)) return;
      seen.push(exchange);
      wake();
    });
    listening = true;
    const until = async (done: (seen: CapturedExchange[]) => boolean, missing: string) => {
      const deadline = this.#env.now() + FOREIGN_RECORD_WAIT_MS;
      while (!done(seen)) {
        if (this.#abort.signal.aborted) throw new Stop(null);
        if (this.#env.now() > deadline) throw new Stop(failure('unexpected-response', missing));
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 250); // and look at the clock and the abort signal now and then
        });
      }
    };
    return { seen, until, stop };
  }

  #jsonOrNull(sent: Sent): Json | null {
    try {
      const value = JSON.parse(sent.text);
      return value && typeof value === 'object' ? (value as Json) : null;
    } catch {
      return null;
    }
  }

  // ── helpers ───────────────────────────────────────────────────────────────────────────────

  #signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Reports a check; a failed one stops the flow, unless it is advisory. */
  #check(check: FlowCheck): void {
    this.#emit({ type: 'check', check });
    if (check.ok || check.advisory) return;
    const explained = failure(check.id === 'registration' || check.id === 'step-up-scopes' ? 'unexpected-response' : CHECK_FAILURES[check.id]);
    throw new Stop({ ...explained, cause: `${check.message} ${explained.cause}` });
  }

  /** The failure an unwanted answer shows, or a cancellation if the run was cancelled meanwhile. */
  #refused(sent: Sent): Stop {
    if (this.#abort.signal.aborted) return new Stop(null);
    return new Stop(explain(observe(sent), sent.exchange.id));
  }

  #json(sent: Sent): Json {
    const value = this.#jsonOrNull(sent);
    if (value) return value;
    throw new Stop(failure('unexpected-response', `Expected a JSON object, got: ${sent.text.slice(0, 300)}`, sent.exchange.id));
  }

  /** A string member of a JSON answer with the expected status. */
  #field(sent: Sent, name: string, status: number): string {
    if (sent.exchange.status !== status) throw this.#refused(sent);
    const value = this.#json(sent)[name];
    if (typeof value !== 'string') throw new Stop(failure('unexpected-response', `The answer has no ${name}: ${sent.text.slice(0, 300)}`, sent.exchange.id));
    return value;
  }

  /** The first of these addresses that answers 200 with a JSON document. */
  async #firstDocument(to: 'mcp' | 'as', urls: string[], missing: FailureId | null): Promise<Json> {
    let last: Sent | undefined;
    for (const url of urls) {
      last = await this.#http.send(to, url, { headers: { Accept: 'application/json' }, signal: this.#signal() });
      if (last.exchange.status === 200) return this.#json(last);
      if (last.exchange.status === null) break;
    }
    if (missing && last?.exchange.status !== null) throw new Stop(failure(missing, observe(last!).said, last!.exchange.id));
    throw this.#refused(last!);
  }

  /** A form POST to the authorization server, by the client (or, in an attack lab, the attacker). */
  #postForm(url: string, form: URLSearchParams, from: ActorId = 'client'): Promise<Sent> {
    return this.#http.send(
      'as',
      url,
      { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: form.toString(), signal: this.#signal() },
      from,
    );
  }

  #tokensFrom(sent: Sent, requested: string[]): Tokens {
    const accessToken = this.#field(sent, 'access_token', 200);
    const body = this.#json(sent);
    this.#obtainedAt = this.#env.now();
    this.#expiresAt = typeof body.expires_in === 'number' && body.expires_in > 0 ? this.#obtainedAt + body.expires_in * 1000 : undefined;
    return {
      access_token: accessToken,
      refresh_token: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
      scope: typeof body.scope === 'string' ? body.scope : requested.join(' '),
    };
  }

  #granted(): string[] {
    return (this.#tokens?.scope ?? '').split(' ').filter(Boolean);
  }

  /** A JSON-RPC request over the open connection, with the access token; its result, or a stop. */
  async #rpc(method: string, params?: Record<string, unknown>): Promise<Json> {
    return this.#rpcResult(await this.#mcp!.request(method, params, this.#tokens!.access_token));
  }

  #rpcResult({ sent, reply }: Awaited<ReturnType<McpConnection['request']>>): Json {
    if (!sent.exchange.status || sent.exchange.status >= 300) throw this.#refused(sent);
    if (reply?.error) throw new Stop(failure('json-rpc-error', JSON.stringify(reply.error), sent.exchange.id));
    if (!reply?.result) throw new Stop(failure('unexpected-response', `No JSON-RPC answer: ${sent.text.slice(0, 300)}`, sent.exchange.id));
    return reply.result;
  }
}
