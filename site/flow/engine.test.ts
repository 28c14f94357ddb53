import { describe, expect, test } from 'vitest';
import { createFlowRun } from './engine';
import { s256Challenge } from './pkce';
import { fakeLab, PROVIDER_FAILURES, type Tweaks } from './testing/fake-lab';
import type { CapturedExchange, FlowCheck, FlowConfig, FlowEnvironment, FlowEvent, FlowFailure, KeptAuthorization } from './types';

const ORIGIN = 'http://lab.test';

function start(
  config: Partial<FlowConfig> = {},
  tweaks: Tweaks = {},
  options: { origin?: string; authorize?: (url: URL) => Promise<URL>; lab?: ReturnType<typeof fakeLab>; resume?: KeptAuthorization; env?: Partial<FlowEnvironment> } = {},
) {
  const origin = options.origin ?? ORIGIN;
  const lab = options.lab ?? fakeLab(origin, tweaks);
  let clock = 1_000;
  const authorizations: URL[] = [];
  const run = createFlowRun(
    { serverUrl: `${origin}/mcp`, transport: 'streamable-http', registration: 'dcr', ...config },
    {
      fetch: lab.fetch,
      now: () => clock++,
      traceId: 'trace-1',
      authorize: async (url) => {
        authorizations.push(url);
        return options.authorize ? options.authorize(url) : lab.authorize(url);
      },
      ...options.env,
    },
    options.resume,
  );
  const events: FlowEvent[] = [];
  run.on((event) => events.push(event));
  const of = <T extends FlowEvent['type']>(type: T) => events.filter((event): event is Extract<FlowEvent, { type: T }> => event.type === type);
  return {
    lab,
    run,
    events,
    authorizations,
    actions: () => of('action').filter((event) => event.phase === 'start').map((event) => event.action),
    checks: () => of('check').map((event) => event.check),
    failures: () => of('failure').map((event) => event.failure),
    exchanges: () => {
      const latest = new Map<string, CapturedExchange>();
      for (const event of of('exchange')) latest.set(event.exchange.id, event.exchange);
      return [...latest.values()];
    },
    outcome: () => of('finished').map((event) => event.outcome),
  };
}

const checkIds = (checks: FlowCheck[]) => checks.map((check) => `${check.id}:${check.ok}`);
const onlyFailure = (failures: FlowFailure[]) => {
  expect(failures).toHaveLength(1);
  return failures[0];
};

describe('a clean run', () => {
  test.each(['streamable-http', 'sse'] as const)('%s: every action, every check passing, every exchange captured', async (transport) => {
    const flow = start({ transport, serverUrl: `${ORIGIN}/${transport === 'sse' ? 'sse' : 'mcp'}` });
    await flow.run.run();
    expect(flow.outcome()).toEqual(['success']);
    expect(flow.failures()).toEqual([]);
    expect(flow.actions()).toEqual([
      'probe', 'resource-metadata', 'as-metadata', 'register', 'authorize', 'token',
      ...(transport === 'sse' ? ['open-stream'] : []), 'initialize', 'list-tools', 'call-tool',
    ]);
    expect(checkIds(flow.checks())).toEqual(['audience:true', 'issuer-match:true', 's256-advertised:true', 'state:true', 'iss:true', 'resource-sent:true']);
    const path = transport === 'sse' ? '/sse' : '/mcp';
    const lines = flow.exchanges().map((exchange) => `${exchange.method} ${new URL(exchange.url).pathname} ${exchange.status}`);
    expect(lines).toEqual([
      `${transport === 'sse' ? 'GET' : 'POST'} ${path} 401`,
      `GET /.well-known/oauth-protected-resource${path} 200`,
      'GET /.well-known/oauth-authorization-server 200',
      'POST /oauth/register 201',
      'POST /oauth/token 200',
      ...(transport === 'sse'
        ? ['GET /sse 200', 'POST /sse/message 202', 'POST /sse/message 202', 'POST /sse/message 202', 'POST /sse/message 202']
        : ['POST /mcp 200', 'POST /mcp 202', 'POST /mcp 200', 'POST /mcp 200']),
    ]);
    flow.run.cancel();
  });

  test('exchanges carry what happened: ids, route, headers, bodies, timing', async () => {
    const flow = start();
    await flow.run.run();
    const [probe, , , , token, initialize] = flow.exchanges();
    expect(probe).toMatchObject({ id: 'page-1', traceId: 'trace-1', source: 'page', channel: 'api', from: 'client', to: 'mcp', method: 'POST', url: `${ORIGIN}/mcp`, status: 401, redacted: [] });
    expect(probe.responseHeaders).toContainEqual(['www-authenticate', expect.stringContaining('resource_metadata=')]);
    expect(JSON.parse(probe.requestBody!)).toMatchObject({ jsonrpc: '2.0', method: 'initialize' });
    expect(probe.startedAt).toBeLessThan(probe.endedAt);
    expect(token).toMatchObject({ to: 'as', method: 'POST' });
    expect(token.requestHeaders).toContainEqual(['content-type', 'application/x-www-form-urlencoded']);
    expect(JSON.parse(token.responseBody!)).toHaveProperty('access_token');
    expect(initialize.requestHeaders).toContainEqual(['authorization', expect.stringMatching(/^Bearer access-/)]);
    expect(initialize.requestHeaders).toContainEqual(['accept', 'application/json, text/event-stream']);
    const list = flow.exchanges()[7];
    expect(list.requestHeaders).toContainEqual(['mcp-protocol-version', '2025-11-25']);
  });

  test('the authorization request: PKCE S256, state, scope from the challenge, resource; the verifier redeems it', async () => {
    const flow = start();
    await flow.run.run();
    const [url] = flow.authorizations;
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'client-1',
      redirect_uri: `${ORIGIN}/lab/callback`,
      scope: 'mcp:read',
      code_challenge_method: 'S256',
      resource: `${ORIGIN}/mcp`,
    });
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{22}$/);
    const tokenRequest = new URLSearchParams(flow.lab.received.find((request) => request.path === '/oauth/token')!.body);
    expect(await s256Challenge(tokenRequest.get('code_verifier')!)).toBe(url.searchParams.get('code_challenge'));
    expect(tokenRequest.get('resource')).toBe(`${ORIGIN}/mcp`);
  });

  test('the legacy SSE stream is one exchange that grows with every answer, and cancel closes it', async () => {
    const flow = start({ transport: 'sse', serverUrl: `${ORIGIN}/sse` });
    await flow.run.run();
    const streamEvents = flow.events.filter((event) => event.type === 'exchange' && event.exchange.method === 'GET' && event.exchange.url === `${ORIGIN}/sse` && event.exchange.status === 200);
    expect(streamEvents.length).toBeGreaterThan(3);
    const last = flow.exchanges().find((exchange) => exchange.id === (streamEvents[0] as { exchange: CapturedExchange }).exchange.id)!;
    expect(last.responseBody).toMatch(/^event: endpoint\ndata: \/sse\/message\?sessionId=session-\d+\n\n/);
    expect(last.responseBody).toContain('"serverInfo"');
    expect(last.responseBody).toContain('whoami ran for client-1');
    expect(flow.lab.openStreams()).toBe(1);
    flow.run.cancel();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(flow.lab.openStreams()).toBe(0);
    expect(flow.outcome()).toEqual(['success']); // cancelling a finished run only closes the stream
  });

  test('step(): one action at a time, with nextAction telling the UI what comes', async () => {
    const flow = start();
    expect(flow.run.nextAction).toBe('probe');
    await flow.run.step();
    expect(flow.actions()).toEqual(['probe']);
    expect(flow.run.nextAction).toBe('resource-metadata');
    await flow.run.step();
    await flow.run.step();
    await flow.run.step();
    expect(flow.run.nextAction).toBe('authorize');
    expect(flow.authorizations).toHaveLength(0);
    await flow.run.run();
    expect(flow.run.finished).toBe(true);
    expect(flow.run.nextAction).toBeNull();
  });

  test('pause() stops run() after the current action; a late listener gets every past event', async () => {
    const flow = start();
    const running = flow.run.run();
    flow.run.pause();
    await running;
    expect(flow.actions()).toEqual(['probe']);
    expect(flow.run.finished).toBe(false);
    const replayed: FlowEvent[] = [];
    flow.run.on((event) => replayed.push(event));
    expect(replayed).toEqual(flow.events);
  });

  test('two clicks at once do not run an action twice', async () => {
    const flow = start();
    await Promise.all([flow.run.step(), flow.run.step()]);
    expect(flow.actions()).toEqual(['probe']);
  });

  test('an on-demand action asked for while the flow runs waits for it, then runs on its own', async () => {
    const flow = start();
    const [, refreshed] = await Promise.all([flow.run.run(), flow.run.perform('refresh')]);
    expect(refreshed).toBe('success');
    expect(flow.actions().slice(-2)).toEqual(['call-tool', 'refresh']);
  });
});

describe('registration', () => {
  test('pre-registered: the page looks its client_id up', async () => {
    const flow = start({ registration: 'preregistered' });
    await flow.run.run();
    expect(flow.outcome()).toEqual(['success']);
    expect(flow.exchanges()[3]).toMatchObject({ method: 'GET', url: `${ORIGIN}/lab/client`, to: 'client', status: 200 });
    expect(flow.authorizations[0].searchParams.get('client_id')).toBe('preregistered-client');
  });

  test('CIMD on http: a teaching failure before anything is sent with that client_id', async () => {
    const flow = start({ registration: 'cimd' });
    await flow.run.run();
    expect(onlyFailure(flow.failures())).toMatchObject({ id: 'cimd-needs-https', serverSaid: `client_id would be ${ORIGIN}/lab/client-metadata.json` });
    expect(flow.outcome()).toEqual(['failed']);
    expect(flow.lab.log().at(-1)).toBe('GET /.well-known/oauth-authorization-server');
    expect(flow.authorizations).toHaveLength(0);
  });

  test('CIMD on https: the client_id is the document URL, and no registration request is made', async () => {
    const flow = start({ registration: 'cimd', serverUrl: 'https://lab.test/mcp' }, {}, { origin: 'https://lab.test' });
    await flow.run.run();
    expect(flow.outcome()).toEqual(['success']);
    expect(flow.authorizations[0].searchParams.get('client_id')).toBe('https://lab.test/lab/client-metadata.json');
    expect(flow.lab.log()).not.toContain('POST /oauth/register');
  });

  test('CIMD where the server does not offer it', async () => {
    const flow = start({ registration: 'cimd' }, { authServerMetadata: ({ client_id_metadata_document_supported: _, ...doc }) => doc });
    await flow.run.run();
    expect(onlyFailure(flow.failures()).id).toBe('cimd-unsupported');
  });
});

describe('sabotage', () => {
  test('wrong-verifier: the token endpoint says invalid_grant, explained as PKCE', async () => {
    const flow = start({ sabotage: 'wrong-verifier' });
    await flow.run.run();
    const token = flow.exchanges().at(-1)!;
    expect(token).toMatchObject({ url: `${ORIGIN}/oauth/token`, status: 400 });
    expect(onlyFailure(flow.failures())).toMatchObject({
      id: 'invalid-grant-pkce',
      serverSaid: '{"error":"invalid_grant","error_description":"Invalid PKCE code_verifier","failure":"pkce-verifier-mismatch"}',
      exchangeId: token.id,
      spec: { href: 'https://www.rfc-editor.org/rfc/rfc7636#section-4.6' },
    });
    expect(flow.outcome()).toEqual(['failed']);
    expect(flow.run.nextAction).toBeNull();
  });

  test('wrong-state: the state check fails and the code is never sent', async () => {
    const flow = start({ sabotage: 'wrong-state' });
    await flow.run.run();
    const state = flow.checks().find((check) => check.id === 'state')!;
    expect(state.ok).toBe(false);
    expect(state.message).toMatch(/^state sent ".+", callback has ".+"\.$/);
    expect(onlyFailure(flow.failures()).id).toBe('check-state');
    expect(flow.lab.log()).not.toContain('POST /oauth/token');
  });

  test('omit-resource: the server picks an audience itself; the resource check fails', async () => {
    const flow = start({ sabotage: 'omit-resource' });
    await flow.run.run();
    expect(flow.authorizations[0].searchParams.has('resource')).toBe(false);
    expect(new URLSearchParams(flow.exchanges().at(-1)!.requestBody!).has('resource')).toBe(false);
    expect(checkIds(flow.checks()).at(-1)).toBe('resource-sent:false');
    expect(onlyFailure(flow.failures()).id).toBe('check-resource-sent');
  });

  test('replay-code: the second redemption is refused and the grant revoked', async () => {
    const flow = start({ sabotage: 'replay-code' });
    await flow.run.run();
    const [first, second] = flow.exchanges().filter((exchange) => exchange.url.endsWith('/oauth/token'));
    expect([first.status, second.status]).toEqual([200, 400]);
    expect(second.requestBody).toBe(first.requestBody);
    expect(onlyFailure(flow.failures())).toMatchObject({ id: 'invalid-grant-replayed', exchangeId: second.id });
  });
});

describe('the checks SDKs skip', () => {
  test.each<[string, Tweaks, string]>([
    ['issuer in the metadata differs', { authServerMetadata: (doc) => ({ ...doc, issuer: 'http://elsewhere.test' }) }, 'issuer-match'],
    ['no S256', { authServerMetadata: (doc) => ({ ...doc, code_challenge_methods_supported: ['plain'] }) }, 's256-advertised'],
    ['no code_challenge_methods_supported at all', { authServerMetadata: ({ code_challenge_methods_supported: _, ...doc }) => doc }, 's256-advertised'],
    ['the metadata describes another resource', { resourceMetadata: (doc) => ({ ...doc, resource: 'http://lab.test/other' }) }, 'audience'],
    ['iss from another server', { callback: (url) => (url.searchParams.set('iss', 'http://evil.test'), url) }, 'iss'],
    ['iss missing though promised', { callback: (url) => (url.searchParams.delete('iss'), url) }, 'iss'],
    ['a second state', { callback: (url) => (url.searchParams.append('state', 'x'), url) }, 'state'],
  ])('%s: the check fails and stops the flow', async (_, tweaks, checkId) => {
    const flow = start({}, tweaks);
    await flow.run.run();
    const failed = flow.checks().filter((check) => !check.ok);
    expect(failed.map((check) => check.id)).toEqual([checkId]);
    expect(failed[0].spec.href).toMatch(/^https:\/\//);
    expect(onlyFailure(flow.failures()).cause).toContain(failed[0].message);
    expect(flow.lab.log()).not.toContain('POST /oauth/token');
  });

  test('iss neither promised nor sent: nothing to compare, the flow goes on', async () => {
    const flow = start({}, {
      authServerMetadata: ({ authorization_response_iss_parameter_supported: _, ...doc }) => doc,
      callback: (url) => (url.searchParams.delete('iss'), url),
    });
    await flow.run.run();
    expect(flow.checks().find((check) => check.id === 'iss')).toMatchObject({ ok: true, message: expect.stringContaining('nothing to compare') });
    expect(flow.outcome()).toEqual(['success']);
  });

  test('a JWT access token for another audience: reported, not stopping the flow; the MCP server decides', async () => {
    const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const jwt = `${segment({ alg: 'ES256', typ: 'at+jwt' })}.${segment({ aud: `${ORIGIN}/other`, scope: 'mcp:read' })}.c2ln`;
    const flow = start({}, {
      intercept: (request) =>
        new URL(request.url).pathname === '/oauth/token' ? Response.json({ access_token: jwt, token_type: 'Bearer', scope: 'mcp:read' }) : undefined,
    });
    await flow.run.run();
    expect(flow.checks().find((check) => check.id === 'token-audience')).toMatchObject({ ok: false, advisory: true, message: expect.stringContaining(`"${ORIGIN}/other"`) });
    // The flow went on to ask the server, which refused the token.
    expect(flow.actions()).toContain('initialize');
    expect(onlyFailure(flow.failures()).id).toBe('invalid-token');
  });
});

describe('failures teach', () => {
  test('no answer at all (CORS, server down): status null and the browser’s words', async () => {
    const flow = start();
    const failing = createFlowRun({ serverUrl: `${ORIGIN}/mcp`, transport: 'streamable-http', registration: 'dcr' }, {
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
      now: () => 0,
      authorize: flow.lab.authorize,
    });
    const failures: FlowFailure[] = [];
    const exchanges: CapturedExchange[] = [];
    failing.on((event) => (event.type === 'failure' ? failures.push(event.failure) : event.type === 'exchange' && exchanges.push(event.exchange)));
    await failing.run();
    expect(exchanges).toMatchObject([{ status: null, error: 'TypeError: Failed to fetch', responseBody: null }]);
    expect(onlyFailure(failures)).toMatchObject({ id: 'network', serverSaid: 'TypeError: Failed to fetch', exchangeId: exchanges[0].id });
  });

  test('401 without resource_metadata: the well-known addresses are tried, then it is explained', async () => {
    const flow = start({}, { challenge: 'Bearer realm="OAuth"', resourceMetadata: () => null });
    await flow.run.run();
    expect(flow.lab.log()).toEqual(['POST /mcp', 'GET /.well-known/oauth-protected-resource/mcp', 'GET /.well-known/oauth-protected-resource']);
    expect(onlyFailure(flow.failures()).id).toBe('no-resource-metadata');
  });

  test('401 without resource_metadata, metadata at the well-known address: the fallback works', async () => {
    const flow = start({}, { challenge: 'Bearer realm="OAuth"' });
    await flow.run.run();
    expect(flow.outcome()).toEqual(['success']);
  });

  test('the user presses Deny', async () => {
    const flow = start({}, { callback: (url) => new URL(`${url.origin}${url.pathname}?error=access_denied&state=${url.searchParams.get('state')}&iss=${encodeURIComponent(ORIGIN)}`) });
    await flow.run.run();
    expect(onlyFailure(flow.failures())).toMatchObject({ id: 'access-denied', serverSaid: 'error=access_denied' });
  });

  // The Worker's error redirect after a provider names the kind in `failure`; the engine reads that code, not the words.
  test.each([
    ['cancelled', 'upstream-denied'],
    ['refused-code', 'upstream-refused'],
    ['id-token-rejected', 'id-token-rejected'],
    ['unavailable', 'upstream-unavailable'],
    ['no-userinfo', 'server-error'],
  ] as const)('signing in at the provider behind the Worker fails (%s): the callback’s failure code picks %s', async (provider, id) => {
    const flow = start({}, { provider });
    await flow.run.run();
    const { error, error_description } = PROVIDER_FAILURES[provider];
    expect(onlyFailure(flow.failures())).toMatchObject({ id, serverSaid: `error=${error}, error_description=${error_description}` });
    expect(flow.lab.log()).not.toContain('POST /oauth/token');
  });

  test('the same words without the code teach only what the standard error says', async () => {
    const { error, error_description } = PROVIDER_FAILURES.cancelled;
    const flow = start({}, {
      callback: (url) => new URL(`${url.origin}${url.pathname}?${new URLSearchParams({ error, error_description, state: url.searchParams.get('state')!, iss: ORIGIN })}`),
    });
    await flow.run.run();
    expect(onlyFailure(flow.failures()).id).toBe('access-denied');
  });

  test('invalid_target comes back on the callback', async () => {
    const flow = start({}, {
      callback: (url) => new URL(`${url.origin}${url.pathname}?error=invalid_target&error_description=Unknown+resource&state=${url.searchParams.get('state')}&iss=${encodeURIComponent(ORIGIN)}`),
    });
    await flow.run.run();
    expect(onlyFailure(flow.failures())).toMatchObject({ id: 'invalid-target', serverSaid: 'error=invalid_target, error_description=Unknown resource' });
  });

  test.each([
    ['PopupBlockedError', 'popup-blocked'],
    ['Error', 'window-closed'],
  ])('the authorization window fails with %s', async (name, id) => {
    const flow = start({}, {}, {
      authorize: async () => {
        throw Object.assign(new Error('no window'), { name });
      },
    });
    await flow.run.run();
    expect(onlyFailure(flow.failures())).toMatchObject({ id, serverSaid: 'no window' });
  });

  test('403 for a foreign Origin', async () => {
    const lab = fakeLab(ORIGIN);
    const withOrigin: typeof fetch = (input, init) => lab.fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), origin: 'http://elsewhere.test' } });
    const run = createFlowRun({ serverUrl: `${ORIGIN}/mcp`, transport: 'streamable-http', registration: 'dcr' }, { fetch: withOrigin, now: () => 0, authorize: lab.authorize });
    const failures: FlowFailure[] = [];
    run.on((event) => event.type === 'failure' && failures.push(event.failure));
    await run.run();
    expect(onlyFailure(failures)).toMatchObject({ id: 'bad-origin', serverSaid: expect.stringContaining('is not allowed to call this MCP server') });
  });

  test('invalid_client at the token endpoint', async () => {
    const flow = start({}, {
      intercept: (request) => (new URL(request.url).pathname === '/oauth/token' ? Response.json({ error: 'invalid_client', error_description: 'Client not found' }, { status: 401 }) : undefined),
    });
    await flow.run.run();
    expect(onlyFailure(flow.failures())).toMatchObject({ id: 'invalid-client', title: expect.any(String), cause: expect.any(String), fix: expect.any(String) });
  });

  test('429 at registration: too many registrations from this address, on the register step, with when to retry', async () => {
    const refusal = { error: 'temporarily_unavailable', error_description: 'Too many client registrations from this network address. Try again in 60 seconds.', failure: 'rate-limited' };
    const flow = start({}, {
      intercept: (request) => (new URL(request.url).pathname === '/oauth/register' ? Response.json(refusal, { status: 429, headers: { 'Retry-After': '60' } }) : undefined),
    });
    await flow.run.run();
    const refused = flow.exchanges().at(-1)!;
    expect(refused).toMatchObject({ method: 'POST', url: `${ORIGIN}/oauth/register`, status: 429 });
    expect(onlyFailure(flow.failures())).toMatchObject({ id: 'rate-limited', exchangeId: refused.id, serverSaid: JSON.stringify(refusal), retryAt: refused.endedAt + 60_000 });
    expect(flow.actions().at(-1)).toBe('register');
    expect(flow.authorizations).toEqual([]);
  });

  test('a tool that needs more scope than the flow asked for: 403 insufficient_scope, explained', async () => {
    const flow = start({ toolCall: { name: 'save_note', arguments: { text: 'hi' } } });
    await flow.run.run();
    expect(onlyFailure(flow.failures())).toMatchObject({ id: 'insufficient-scope', exchangeId: flow.exchanges().at(-1)!.id });
    expect(flow.exchanges().at(-1)!.status).toBe(403);
  });

  test('a JSON-RPC error from the MCP server', async () => {
    const flow = start({}, {
      intercept: (request) =>
        request.headers.has('authorization') && new URL(request.url).pathname === '/mcp'
          ? Response.json({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Unsupported protocol version' } })
          : undefined,
    });
    await flow.run.run();
    expect(onlyFailure(flow.failures())).toMatchObject({ id: 'json-rpc-error', serverSaid: '{"code":-32602,"message":"Unsupported protocol version"}' });
  });

  test('cancel while the user is in the authorization window', async () => {
    let signalSeen: AbortSignal | undefined;
    const lab = fakeLab(ORIGIN);
    const run = createFlowRun({ serverUrl: `${ORIGIN}/mcp`, transport: 'streamable-http', registration: 'dcr' }, {
      fetch: lab.fetch,
      now: () => 0,
      authorize: (_url, signal) =>
        new Promise((_, reject) => {
          signalSeen = signal;
          signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    });
    const events: FlowEvent[] = [];
    run.on((event) => events.push(event));
    const running = run.run();
    while (!signalSeen) await new Promise((resolve) => setTimeout(resolve, 1));
    run.cancel();
    await running;
    expect(signalSeen.aborted).toBe(true);
    expect(events.filter((event) => event.type === 'failure')).toEqual([]);
    expect(events.filter((event) => event.type === 'finished')).toEqual([{ type: 'finished', outcome: 'cancelled' }]);
  });
});

describe('on demand, after the flow', () => {
  test.each(['streamable-http', 'sse'] as const)('%s: refresh, step-up, revoke', async (transport) => {
    const flow = start({ transport, serverUrl: `${ORIGIN}/${transport === 'sse' ? 'sse' : 'mcp'}` });
    expect(await flow.run.perform('refresh')).toBe('failed'); // not before the flow succeeded
    await flow.run.run();
    const seen = flow.exchanges().length;
    const issued = JSON.parse(flow.exchanges().find((exchange) => exchange.url.endsWith('/oauth/token'))!.responseBody!);

    expect(await flow.run.perform('refresh')).toBe('success');
    const refresh = new URLSearchParams(flow.exchanges()[seen].requestBody!);
    expect(Object.fromEntries(refresh)).toMatchObject({ grant_type: 'refresh_token', refresh_token: issued.refresh_token, resource: `${ORIGIN}/${transport === 'sse' ? 'sse' : 'mcp'}` });
    const rotated = JSON.parse(flow.exchanges()[seen].responseBody!);
    expect(rotated.refresh_token).not.toBe(issued.refresh_token);

    expect(await flow.run.perform('step-up')).toBe('success');
    expect(flow.authorizations.at(-1)!.searchParams.get('scope')).toBe('mcp:read mcp:write');
    const calls = flow.exchanges().filter((exchange) => exchange.requestBody?.includes('save_note'));
    expect(calls.map((exchange) => exchange.status)).toEqual([403, transport === 'sse' ? 202 : 200]);

    expect(await flow.run.perform('revoke')).toBe('success');
    const [revocation, after] = flow.exchanges().slice(-2);
    expect(Object.fromEntries(new URLSearchParams(revocation.requestBody!))).toMatchObject({ token_type_hint: 'refresh_token' });
    expect(new URLSearchParams(revocation.requestBody!).get('token')).not.toBe(rotated.refresh_token); // step-up brought a newer one
    expect(after.status).toBe(401);

    expect(await flow.run.perform('refresh')).toBe('failed');
    expect(flow.failures().at(-1)!.id).toBe('invalid-grant');
    expect(flow.outcome()).toEqual(['success']);
    expect(flow.actions().slice(-4)).toEqual(['refresh', 'step-up', 'revoke', 'refresh']);
    flow.run.cancel();
  });
});

describe('the Origin attack lab', () => {
  /**
   * The host's page of another origin, and the Worker's records of what reached the server. As in
   * Chromium, JSON from another origin needs a preflight, which nothing grants here: it never
   * reaches the server. Plain text does, and `server` answers it.
   */
  function foreignHost(server: typeof fetch) {
    const records: CapturedExchange[] = [];
    const listeners = new Set<(exchange: CapturedExchange) => void>();
    const env: Partial<FlowEnvironment> = {
      workerRecords: (listener) => {
        records.forEach(listener);
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      foreignPage: async (url, init) => {
        if (init.mode === 'cors') return 'TypeError: Failed to fetch';
        const response = await server(url, { method: init.method, headers: { ...init.headers, origin: 'null' }, body: init.body });
        const exchange: CapturedExchange = {
          id: `worker-${records.length + 1}`, traceId: 'trace-1', source: 'worker', channel: 'api', from: 'attacker', to: 'mcp', method: init.method, url,
          status: response.status, requestHeaders: [['origin', 'null']], requestBody: init.body ?? null, responseHeaders: [], responseBody: await response.text(), startedAt: 1, endedAt: 2, redacted: [],
        };
        records.push(exchange);
        listeners.forEach((listener) => listener(exchange));
        return 'an opaque response';
      },
    };
    return { env, records };
  }

  test('succeeds when the server refuses the foreign Origin with 403 origin-not-allowed, read from the Worker’s record', async () => {
    const lab = fakeLab(ORIGIN);
    const host = foreignHost(lab.fetch);
    const flow = start({}, {}, { lab, env: host.env });
    await flow.run.run();
    expect(await flow.run.perform('attack', { attack: 'foreign-origin' })).toBe('success');
    expect(host.records.map((exchange) => [exchange.method, exchange.status])).toEqual([['POST', 403]]);
    expect(JSON.parse(host.records[0].requestBody!).method).toBe('initialize');
  });

  test('fails on the recorded request when the server looks for a token first (401), as if Origin were not checked', async () => {
    const lab = fakeLab(ORIGIN);
    const host = foreignHost(async () => new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="OAuth"' } }));
    const flow = start({}, {}, { lab, env: host.env });
    await flow.run.run();
    expect(await flow.run.perform('attack', { attack: 'foreign-origin' })).toBe('failed');
    expect(flow.failures().at(-1)).toMatchObject({ id: 'attack-accepted', exchangeId: 'worker-1', serverSaid: expect.stringContaining('POST /mcp → 401') });
  });

  test('without a page of another origin (no host for it), says so instead of pretending', async () => {
    const flow = start();
    await flow.run.run();
    expect(await flow.run.perform('attack', { attack: 'foreign-origin' })).toBe('failed');
    expect(flow.failures().at(-1)!.serverSaid).toContain('needs a page of another origin');
  });
});

describe('going on from an authorization kept on another page', () => {
  test.each(['streamable-http', 'sse'] as const)('%s: only connects, with the kept token; then refresh, step-up and revoke work as before', async (transport) => {
    const serverUrl = `${ORIGIN}/${transport === 'sse' ? 'sse' : 'mcp'}`;
    const first = start({ transport, serverUrl });
    expect(first.run.kept()).toBeNull(); // nothing to keep before the flow succeeded
    await first.run.run();
    const kept = first.run.kept()!;
    const issued = JSON.parse(first.exchanges().find((exchange) => exchange.url.endsWith('/oauth/token'))!.responseBody!);
    expect(kept).toMatchObject({ serverUrl, transport, issuer: ORIGIN, tokens: { access_token: issued.access_token, refresh_token: issued.refresh_token } });
    expect(kept.clientId).toBeTruthy();
    expect(JSON.parse(JSON.stringify(kept))).toEqual(kept); // survives storage as JSON

    const next = start({ transport, serverUrl }, {}, { lab: first.lab, resume: kept });
    await next.run.run();
    expect(next.outcome()).toEqual(['success']);
    expect(next.actions()).toEqual([...(transport === 'sse' ? ['open-stream'] : []), 'initialize']);
    expect(next.authorizations).toEqual([]);
    const sentTokens = next.exchanges().map((exchange) => exchange.requestHeaders.find(([name]) => name.toLowerCase() === 'authorization')?.[1]);
    expect(sentTokens.length).toBeGreaterThan(0);
    expect(sentTokens.every((header) => header === `Bearer ${issued.access_token}`)).toBe(true);

    expect(await next.run.perform('refresh')).toBe('success');
    expect(next.run.kept()!.tokens.access_token).not.toBe(issued.access_token);
    expect(await next.run.perform('step-up')).toBe('success');
    expect(next.run.kept()!.tokens.scope).toBe('mcp:read mcp:write');
    expect(await next.run.perform('revoke')).toBe('success');
    expect(next.run.kept()).toBeNull(); // a revoked grant is nothing to keep
    next.run.cancel();
    first.run.cancel();
  });

  test('a kept token that no longer works stops the run at initialize, explained', async () => {
    const first = start();
    await first.run.run();
    const kept = first.run.kept()!;
    expect(await first.run.perform('revoke')).toBe('success');
    const next = start({}, {}, { lab: first.lab, resume: kept });
    await next.run.run();
    expect(next.outcome()).toEqual(['failed']);
    expect(next.actions()).toEqual(['initialize']);
    expect(next.exchanges().at(-1)!.status).toBe(401);
    expect(next.failures()).toHaveLength(1);
    first.run.cancel();
  });

  test('a kept authorization is for one endpoint and transport', () => {
    const kept = { serverUrl: `${ORIGIN}/mcp`, transport: 'streamable-http' } as KeptAuthorization;
    expect(() => start({ transport: 'sse', serverUrl: `${ORIGIN}/sse` }, {}, { resume: kept })).toThrow(/kept authorization is for/);
  });
});

describe('speaking 2026-07-28', () => {
  test('no handshake: server/discover after the token, then every request carries its metadata in _meta and the mirrored headers', async () => {
    const flow = start({ revision: '2026-07-28' });
    await flow.run.run();
    expect(flow.failures()).toEqual([]);
    expect(flow.outcome()).toEqual(['success']);
    expect(flow.actions()).toEqual(['probe', 'resource-metadata', 'as-metadata', 'register', 'authorize', 'token', 'discover', 'list-tools', 'call-tool']);
    const mcp = flow.exchanges().filter((exchange) => exchange.method === 'POST' && new URL(exchange.url).pathname === '/mcp');
    const header = (exchange: CapturedExchange, name: string) => exchange.requestHeaders.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
    expect(mcp.map((exchange) => [JSON.parse(exchange.requestBody!).method, exchange.status])).toEqual([
      ['server/discover', 401],
      ['server/discover', 200],
      ['tools/list', 200],
      ['tools/call', 200],
    ]);
    for (const exchange of mcp) {
      const body = JSON.parse(exchange.requestBody!);
      expect(body.params._meta).toMatchObject({ 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} });
      expect(header(exchange, 'MCP-Protocol-Version')).toBe('2026-07-28');
      expect(header(exchange, 'Mcp-Method')).toBe(body.method);
    }
    expect(header(mcp.at(-1)!, 'Mcp-Name')).toBe('whoami');
    const registration = JSON.parse(flow.exchanges().find((exchange) => exchange.url.endsWith('/oauth/register'))!.requestBody!);
    expect(registration.application_type).toBe('web');
    // Where this registration stands in 2026-07-28, and the iss check as that revision's MUST.
    expect(flow.checks().find((check) => check.id === 'registration')).toMatchObject({ ok: true, advisory: true, message: expect.stringContaining('deprecates') });
    expect(flow.checks().find((check) => check.id === 'iss')?.spec.href).toContain('2026-07-28/basic/authorization#authorization-response-validation');
  });

  test('2025-11-25 stays as it was: initialize first, no 2026 metadata, no application_type', async () => {
    const flow = start();
    await flow.run.run();
    const first = JSON.parse(flow.exchanges()[0].requestBody!);
    expect(first.method).toBe('initialize');
    const registration = JSON.parse(flow.exchanges().find((exchange) => exchange.url.endsWith('/oauth/register'))!.requestBody!);
    expect(registration.application_type).toBeUndefined();
    expect(flow.checks().map((check) => check.id)).not.toContain('registration');
    expect(flow.checks().find((check) => check.id === 'iss')?.spec.href).toContain('rfc9207');
  });

  test('on-demand parts work the same; a kept 2026 authorization goes on with server/discover only', async () => {
    const flow = start({ revision: '2026-07-28' });
    await flow.run.run();
    expect(await flow.run.perform('refresh')).toBe('success');
    expect(await flow.run.perform('step-up')).toBe('success');
    expect(flow.checks().find((check) => check.id === 'step-up-scopes')).toMatchObject({ ok: true, advisory: true, message: expect.stringContaining('client’s job') });
    const kept = flow.run.kept()!;
    expect(kept.revision).toBe('2026-07-28');
    const next = start({ revision: '2026-07-28' }, {}, { lab: flow.lab, resume: kept });
    await next.run.run();
    expect(next.outcome()).toEqual(['success']);
    expect(next.actions()).toEqual(['discover']);
    expect(await next.run.perform('revoke')).toBe('success');
  });

  test('there is no 2026-07-28 HTTP+SSE: the run refuses to start', () => {
    expect(() => start({ revision: '2026-07-28', transport: 'sse', serverUrl: `${ORIGIN}/sse` })).toThrow(/no HTTP\+SSE/);
  });
});
