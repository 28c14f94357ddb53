import { describe, expect, test } from 'vitest';
import { CALLBACK_URL, CallbackRejected, LabOAuthClient } from '../support/lab-oauth-client.ts';

// The interop tests rely on the test client refusing a callback a careful app would refuse.
describe('LabOAuthClient.receiveCallback', () => {
  const issuer = 'http://localhost:1234';
  const callback = (params: Record<string, string>) => new URL(`${CALLBACK_URL}?${new URLSearchParams(params)}`);
  const sent = () => {
    const client = new LabOAuthClient(issuer);
    return { client, state: client.state() };
  };

  test('accepts the state it sent and the issuer it expects, once', () => {
    const { client, state } = sent();
    const good = callback({ code: 'c', state, iss: issuer });
    expect(client.receiveCallback(good)).toBe(good);
    expect(() => client.receiveCallback(good)).toThrow(CallbackRejected); // state is single-use
  });

  test.each([
    ['another state', (state: string) => ({ code: 'c', state: `${state}x`, iss: issuer })],
    ['no state', () => ({ code: 'c', iss: issuer })],
    ['another issuer', (state: string) => ({ code: 'c', state, iss: 'https://attacker.example' })],
    ['no iss', (state: string) => ({ code: 'c', state })],
  ])('refuses a callback with %s', (_, params) => {
    const { client, state } = sent();
    expect(() => client.receiveCallback(callback(params(state)))).toThrow(CallbackRejected);
  });

  test('refuses a callback on another address, and turns an OAuth error into an exception', () => {
    const { client, state } = sent();
    expect(() => client.receiveCallback(new URL(`http://127.0.0.1:9/elsewhere?state=${state}&iss=${issuer}`))).toThrow(CallbackRejected);
    expect(() => LabOAuthClient.codeFrom(callback({ error: 'access_denied' }))).toThrow(/access_denied/);
  });
});
