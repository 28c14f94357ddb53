/// <reference types="@cloudflare/vitest-plugin/types" />
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServerEnv } from '../../server/env';
import { STREAM_CHECK_SECONDS } from '../../server/mcp/sse';
import { LegacySseConnection, rpc } from './support/mcp-client';
import { authorize } from './support/oauth-client';
import { SSE_RESOURCE } from './support/worker';

// A legacy SSE session's Durable Object keeps the grant's props and a scheduled check
// (server/STORAGE.md). It lives as long as its stream: when the stream closes it deletes everything,
// a message posted afterwards gets 404, and a periodic check ends a session whose close went
// unreported. While the stream is open, nothing is deleted.

const sessions = (env as unknown as ServerEnv).MCP_OBJECT;
const sessionStub = (sessionId: string) => sessions.get(sessions.idFromName(`sse:${sessionId}`));

/** What an object holds: its KV keys, the tables that have rows, whether an alarm is set. */
interface Held {
  keys: string[];
  rows: Record<string, number>;
  alarm: boolean;
}

/**
 * Looking into an object constructs it, and the agents library's constructor creates its empty
 * schema; so "nothing left" is measured against an object of the class that was never used.
 */
function heldBy(stub: DurableObjectStub): Promise<Held> {
  return runInDurableObject(stub, async (_instance, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")
      .toArray()
      .map((row) => row.name);
    const rows: Record<string, number> = {};
    for (const table of tables) {
      const count = state.storage.sql.exec<{ count: number }>(`SELECT COUNT(*) AS count FROM "${table}"`).one().count;
      if (count > 0) rows[table] = count;
    }
    return { keys: [...(await state.storage.list()).keys()], rows, alarm: (await state.storage.getAlarm()) !== null };
  });
}

const neverUsed = () => heldBy(sessionStub(crypto.randomUUID()));

/** Waits for the session's cleanup, which runs after the response, in the object's own alarm. */
async function expectDeleted(sessionId: string) {
  const nothing = await neverUsed();
  expect(nothing).toEqual({ keys: ['cf_agents:schema_version'], rows: {}, alarm: false });
  await vi.waitFor(async () => expect(await heldBy(sessionStub(sessionId))).toEqual(nothing), { timeout: 10_000, interval: 50 });
}

async function openSession(userName: string) {
  const { tokens } = await authorize({ userName, resource: SSE_RESOURCE });
  const connection = await LegacySseConnection.open(tokens.access_token);
  await connection.initialize();
  return connection;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a legacy SSE session lives as long as its stream', () => {
  it('while the stream is open it keeps its state, and the periodic check leaves it alone', async () => {
    const connection = await openSession('nora');
    try {
      const stub = sessionStub(connection.sessionId);
      const open = await heldBy(stub);
      expect(open).toMatchObject({ keys: expect.arrayContaining(['props']), rows: { cf_agents_jobs: 1 }, alarm: true });

      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + (STREAM_CHECK_SECONDS + 1) * 1000);
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      vi.useRealTimers();

      expect(await heldBy(stub)).toEqual(open);
      const { answer } = await connection.request(rpc('tools/list'));
      expect(answer.result?.tools).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'whoami' })]));
    } finally {
      await connection.close();
    }
  });

  it('when the client closes the stream, the session deletes everything it stored', async () => {
    const connection = await openSession('otto');
    await connection.close();
    await expectDeleted(connection.sessionId);
  });

  it('a message posted after that gets 404, and does not bring the session back', async () => {
    const connection = await openSession('pia');
    await connection.close();
    await expectDeleted(connection.sessionId);

    const response = await connection.post(rpc('tools/list'));
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('Unknown session. Open a new stream with GET /sse.');
    await expectDeleted(connection.sessionId);
  });

  it('a stream dropped without a close being reported is ended by the periodic check', async () => {
    const connection = await openSession('quinn');
    const stub = sessionStub(connection.sessionId);
    // The object is evicted and its socket to the Worker dropped: no close reaches the session.
    await evictDurableObject(stub, { webSockets: 'close' });
    expect((await heldBy(stub)).keys).toContain('props');

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + (STREAM_CHECK_SECONDS + 1) * 1000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    vi.useRealTimers();
    await expectDeleted(connection.sessionId);
    await connection.close();
  });
});
