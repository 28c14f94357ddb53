import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Browser, field } from './support/browser';
import { TOOLS_AT, WORKING_ARGUMENTS } from './support/endpoint-tools';
import { externalToken } from './support/external-client';
import { LegacySseConnection, toolCall } from './support/mcp-client';
import { authorizationUrl, authorize, exchangeCode, pkce, refresh, tokensFrom } from './support/oauth-client';
import { callTool, ENDPOINTS, resourceOf, tokenFor, type EndpointName } from './support/options';
import { routeUpstreamToWorker } from './support/upstream';
import { callWorker, MCP_RESOURCE, ORIGIN, SSE_RESOURCE } from './support/worker';

// Storage is bounded (server/STORAGE.md): one full run per auth option, then every KV key the run
// wrote must expire within the lifetime STORAGE.md documents for its kind. The only keys without an
// expiry are the documented per-deployment ones, a fixed handful that learners do not multiply.

const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;

/** Every kind of per-learner key, and the longest STORAGE.md says it lives (seconds). */
const DOCUMENTED_LIFETIMES: { kind: string; pattern: RegExp; seconds: number }[] = [
  { kind: 'client', pattern: /^client:[^:]+$/, seconds: 90 * DAY },
  { kind: 'grant', pattern: /^grant:[^:]+:[^:]+$/, seconds: 30 * DAY },
  { kind: 'token', pattern: /^token:[^:]+:[^:]+:[^:]+$/, seconds: 60 * MINUTE },
  { kind: 'transaction', pattern: /^transaction:[^:]+$/, seconds: 10 * MINUTE },
  { kind: 'note', pattern: /^note:[^:]+$/, seconds: 30 * DAY },
  { kind: 'simulated-github:code', pattern: /^simulated-github:code:[^:]+$/, seconds: 10 * MINUTE },
  { kind: 'simulated-github:token', pattern: /^simulated-github:token:[^:]+$/, seconds: 30 * DAY },
  { kind: 'simulated-oidc:client', pattern: /^simulated-oidc:client:[^:]+$/, seconds: 90 * DAY },
  { kind: 'simulated-oidc:code', pattern: /^simulated-oidc:code:[^:]+$/, seconds: 10 * MINUTE },
];
/** KV rounds an expiry to whole seconds. */
const ROUNDING_SECONDS = 2;

const LAB_CLIENT_KEY = `lab:preregistered-client:${ORIGIN}`;
const SIMULATED_OIDC_KEYS = 'simulated-oidc:keys';

/** The per-deployment keys: the lab's pre-registered client on this origin (and its record), the provider's key state. */
async function perDeploymentKeys(): Promise<Set<string>> {
  const labClient = await env.OAUTH_KV.get(LAB_CLIENT_KEY);
  return new Set([LAB_CLIENT_KEY, SIMULATED_OIDC_KEYS, ...(labClient ? [`client:${labClient}`] : [])]);
}

async function allKeys(): Promise<KVNamespaceListKey<unknown>[]> {
  const keys: KVNamespaceListKey<unknown>[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.OAUTH_KV.list({ cursor });
    keys.push(...page.keys);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return keys;
}

/** The keys a run wrote: new ones, and existing ones it wrote again (their expiry moved). */
async function keysWrittenBy(run: () => Promise<unknown>): Promise<KVNamespaceListKey<unknown>[]> {
  const before = new Map((await allKeys()).map((key) => [key.name, key.expiration]));
  await run();
  return (await allKeys()).filter((key) => !before.has(key.name) || before.get(key.name) !== key.expiration);
}

/**
 * Each key's kind, after checking it against STORAGE.md: a per-learner key must expire, no later
 * than its kind's documented lifetime from now; a per-deployment key is named as such.
 */
async function checkedKinds(keys: KVNamespaceListKey<unknown>[]): Promise<Set<string>> {
  const now = Math.ceil(Date.now() / 1000);
  const perDeployment = await perDeploymentKeys();
  const kinds = new Set<string>();
  for (const key of keys) {
    if (perDeployment.has(key.name)) {
      kinds.add(`per deployment: ${key.name.split(':')[0]}`);
      continue;
    }
    const documented = DOCUMENTED_LIFETIMES.find(({ pattern }) => pattern.test(key.name));
    expect(documented, `${key.name} is not documented in server/STORAGE.md`).toBeDefined();
    expect(key.expiration, `${key.name} never expires`).toBeTypeOf('number');
    expect(key.expiration!, `${key.name} expires later than STORAGE.md says`).toBeLessThanOrEqual(now + documented!.seconds + ROUNDING_SECONDS);
    expect(key.expiration!).toBeGreaterThan(now - ROUNDING_SECONDS);
    kinds.add(documented!.kind);
  }
  return kinds;
}

const SCOPE = 'mcp:read mcp:write';

/** Every tool the endpoint serves, each with arguments that make it succeed (save_note writes a note). */
async function callEveryTool(endpoint: EndpointName, token: string) {
  for (const tool of TOOLS_AT[endpoint]) {
    const answer = await callTool(ENDPOINTS[endpoint], token, tool.name, WORKING_ARGUMENTS[tool.name] ?? {});
    expect(answer.result?.isError, `${tool.name} at ${ENDPOINTS[endpoint]}`).toBeFalsy();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('every KV key a full run writes expires within its documented lifetime', () => {
  it('option 1 over /mcp: registration, sign-in and consent, token, refresh, every tool', async () => {
    const keys = await keysWrittenBy(async () => {
      const { client, tokens } = await authorize({ userName: 'storage-mcp', scope: SCOPE });
      const refreshed = await tokensFrom(await refresh(client, tokens.refresh_token!, MCP_RESOURCE));
      await callEveryTool('worker', refreshed.access_token);
    });
    expect(await checkedKinds(keys)).toEqual(new Set(['client', 'grant', 'token', 'note']));
  });

  it('option 1 over /sse: the same, with the tools called in a legacy SSE session', async () => {
    const keys = await keysWrittenBy(async () => {
      const { tokens } = await authorize({ userName: 'storage-sse', scope: SCOPE, resource: SSE_RESOURCE });
      const connection = await LegacySseConnection.open(tokens.access_token);
      try {
        await connection.initialize();
        for (const tool of TOOLS_AT.sse) {
          const { answer } = await connection.request(toolCall(tool.name, WORKING_ARGUMENTS[tool.name] ?? {}));
          expect(answer.result?.isError, tool.name).toBeFalsy();
        }
      } finally {
        await connection.close();
      }
    });
    expect(await checkedKinds(keys)).toEqual(new Set(['client', 'grant', 'token', 'note']));
  });

  it('option 1 with the lab’s pre-registered client: its two keys are per deployment, the rest expire', async () => {
    const keys = await keysWrittenBy(async () => {
      const { client_id: clientId } = (await (await callWorker('/lab/client')).json()) as { client_id: string };
      const client = { clientId, redirectUri: `${ORIGIN}/lab/callback` };
      const { verifier, challenge } = await pkce();
      const browser = new Browser();
      const consent = await browser.signIn(authorizationUrl({ client, challenge, scope: SCOPE }), 'storage-lab');
      const allowed = await browser.answer(consent, 'approve');
      const code = new URL(allowed.response.headers.get('location')!).searchParams.get('code')!;
      const tokens = await tokensFrom(await exchangeCode(client, code, verifier));
      await callEveryTool('worker', tokens.access_token);
    });
    expect(await checkedKinds(keys)).toEqual(new Set(['per deployment: lab', 'per deployment: client', 'grant', 'token', 'note']));
    // However many learners use it, the pre-registered client is created once per origin.
    expect(await keysWrittenBy(() => Promise.all([callWorker('/lab/client'), callWorker('/lab/client')]))).toEqual([]);
  });

  it('option 2 with the Simulated GitHub: the provider’s token record too', async () => {
    routeUpstreamToWorker();
    const keys = await keysWrittenBy(async () => {
      const { tokens } = await tokenFor(resourceOf('github'), { scope: SCOPE });
      await callEveryTool('github', tokens.access_token);
    });
    expect(await checkedKinds(keys)).toEqual(new Set(['client', 'grant', 'token', 'simulated-github:token', 'note']));
  });

  it('option 3a with the Simulated OIDC provider (the Worker’s own client there is not stored)', async () => {
    routeUpstreamToWorker();
    const keys = await keysWrittenBy(async () => {
      const { tokens } = await tokenFor(resourceOf('oidc'), { scope: SCOPE });
      await callEveryTool('oidc', tokens.access_token);
    });
    expect(await checkedKinds(keys)).toEqual(new Set(['client', 'grant', 'token', 'note']));
  });

  it('option 3b: the provider’s client registration, and the note; no grant in this Worker', async () => {
    routeUpstreamToWorker();
    const keys = await keysWrittenBy(async () => {
      const { tokens } = await externalToken({ scope: SCOPE });
      await callEveryTool('external', tokens.access_token);
    });
    expect(await checkedKinds(keys)).toEqual(new Set(['simulated-oidc:client', 'note']));
  });

  it('the Simulated OIDC provider’s key rotation keeps one key state, however often it runs', async () => {
    const rotate = async () => {
      const browser = new Browser();
      const about = await browser.get('/simulated/oidc');
      expect((await browser.submit('/simulated/oidc/keys/rotate', { csrf: field(about.body, 'csrf')! })).response.status).toBe(303);
    };
    const keys = await keysWrittenBy(async () => {
      await rotate();
      await rotate();
    });
    expect(keys.map((key) => key.name)).toEqual([SIMULATED_OIDC_KEYS]);
    expect(await checkedKinds(keys)).toEqual(new Set(['per deployment: simulated-oidc']));
  });
});
