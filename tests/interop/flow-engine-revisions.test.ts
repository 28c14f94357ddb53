import { describe, expect, inject, test } from 'vitest';
import { AUTH_OPTION_IDS, AUTH_OPTIONS } from '../../site/flow/auth-options';
import { diagramIdFor } from '../../site/flow/diagram';
import { checksOf, diagrams, expectClean, expectNothingDropped, failuresOf, outcomeOf, pageExchanges, runFlow, settledPicture } from './flow-engine-support.ts';

/**
 * The flow engine speaking 2026-07-28 against the production build, for every auth option: no
 * initialize, server/discover after the token, the 2026 metadata on every MCP request, and every
 * exchange lighting a message of the option's 2026 diagram (the on-demand parts share the 2025
 * diagrams: their requests are the same).
 */
const origin = inject('labOrigin');
const REVISION = '2026-07-28';

describe.each(AUTH_OPTION_IDS)('%s at 2026-07-28', (option) => {
  test('a clean run on the 2026 diagram, every MCP request carrying its metadata', async () => {
    const session = await runFlow(origin, { option, transport: 'streamable-http', registration: 'dcr', revision: REVISION });
    expect(failuresOf(session.events)).toEqual([]);
    expect(outcomeOf(session.events)).toEqual(['success']);
    expect(checksOf(session.events)).toContain('iss:true');

    const mainId = diagramIdFor('streamable-http', 'main', option, REVISION);
    expect(mainId).toBe(`${AUTH_OPTIONS[option].diagrams['streamable-http']!.main}-2026`);
    const picture = await settledPicture(session);
    expectNothingDropped(picture);
    expect([...picture.assignments.keys()]).toEqual([mainId]);
    expectClean(picture.assignments.get(mainId)!, diagrams.get(mainId)!);

    const mcp = pageExchanges(session.events).filter((exchange) => exchange.method === 'POST' && new URL(exchange.url).pathname === new URL(session.run.config.serverUrl).pathname);
    const methods = mcp.map((exchange) => [JSON.parse(exchange.requestBody!).method, exchange.status]);
    expect(methods).toEqual([
      ['server/discover', 401],
      ['server/discover', 200],
      ['tools/list', 200],
      ['tools/call', 200],
    ]);
    for (const exchange of mcp) {
      const headers = new Map(exchange.requestHeaders.map(([name, value]) => [name.toLowerCase(), value]));
      const body = JSON.parse(exchange.requestBody!);
      expect(headers.get('mcp-protocol-version')).toBe(REVISION);
      expect(headers.get('mcp-method')).toBe(body.method);
      expect(body.params._meta['io.modelcontextprotocol/protocolVersion']).toBe(REVISION);
    }
    // The server said it speaks 2026-07-28.
    const discovered = mcp[1].responseBody!;
    expect(discovered).toContain(REVISION);
    const registration = pageExchanges(session.events).find((exchange) => exchange.url.endsWith('/register') || exchange.url.includes('/register'));
    if (registration) expect(JSON.parse(registration.requestBody!).application_type).toBe('web');
  });

  test('refresh, step-up and revoke (where the option has them) work after a 2026 run', async () => {
    const session = await runFlow(origin, { option, transport: 'streamable-http', registration: 'dcr', revision: REVISION });
    for (const action of AUTH_OPTIONS[option].onDemand) {
      expect(await session.run.perform(action), action).toBe('success');
    }
    expect(failuresOf(session.events)).toEqual([]);
    session.run.cancel();
  });
});
