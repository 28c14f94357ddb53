import { describe, expect, test } from 'vitest';
import { offeredOptions, playerDiagramIds } from './diagram-catalog';

const ids = (list: string[]) => list.map((id) => ({ id }));

describe('the diagrams a player shows', () => {
  test('a lesson on option 1 over SSE: that transport first, then the other, each with its on-demand parts', () => {
    expect(playerDiagramIds('worker-oauth-sse')).toEqual(['worker-oauth-sse', 'refresh-revoke-sse', 'step-up-sse', 'worker-oauth', 'refresh-revoke', 'step-up', 'worker-oauth-2026', 'attack-wrong-audience', 'attack-audience-unchecked', 'attack-stolen-code', 'attack-pkce-downgrade', 'attack-redirect-swap', 'attack-session-hijack', 'attack-foreign-origin', 'attack-cimd-claimed-redirect']);
  });

  test('a lesson on option 3a brings option 3b, which it is compared with; 3b has no refresh or revoke', () => {
    expect(playerDiagramIds('oidc-proxy')).toEqual(['oidc-proxy', 'oidc-proxy-refresh-revoke', 'oidc-proxy-step-up', 'oidc-proxy-2026', 'oidc-external', 'oidc-external-step-up', 'oidc-external-2026', 'attack-wrong-audience', 'attack-audience-unchecked', 'attack-foreign-origin', 'attack-token-passthrough']);
  });

  test('a lesson that names a 2026-07-28 diagram starts on it, with its 2025-11-25 twin and the shared on-demand parts', () => {
    expect(playerDiagramIds('worker-oauth-2026')).toEqual(['worker-oauth-2026', 'worker-oauth', 'refresh-revoke', 'step-up', 'worker-oauth-sse', 'refresh-revoke-sse', 'step-up-sse', 'attack-wrong-audience', 'attack-audience-unchecked', 'attack-stolen-code', 'attack-pkce-downgrade', 'attack-redirect-swap', 'attack-session-hijack', 'attack-foreign-origin', 'attack-cimd-claimed-redirect']);
    expect(offeredOptions(ids(playerDiagramIds('worker-oauth-2026')))).toEqual([{ option: 'worker', transport: 'streamable-http' }]);
  });

  test('the options offered, each with the transport its first diagram uses', () => {
    expect(offeredOptions(ids(playerDiagramIds('worker-oauth', ['worker', 'github', 'oidc-proxy', 'oidc-external'])))).toEqual([
      { option: 'worker', transport: 'streamable-http' },
      { option: 'github', transport: 'streamable-http' },
      { option: 'oidc-proxy', transport: 'streamable-http' },
      { option: 'oidc-external', transport: 'streamable-http' },
    ]);
    expect(offeredOptions(ids(playerDiagramIds('worker-oauth-sse')))).toEqual([{ option: 'worker', transport: 'sse' }]);
    expect(offeredOptions(ids(['step-up']))).toEqual([]);
  });
});
