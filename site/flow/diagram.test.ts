import { describe, expect, test } from 'vitest';
import { DiagramError, parseDiagram, parseMatcher } from './diagram';

const header = `sequenceDiagram
  title A flow
  participant Client as MCP client
  participant AS as Authorization server
  participant Browser
`;
const token = `  %% step: token  match: api POST /oauth/token grant_type=authorization_code -> 200  spec: RFC 6749 §4.1.3 https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
  %% why: The client trades the code.
  %% why: And the verifier.
  Client->>AS: POST /oauth/token (code + code_verifier)
`;

function problemsOf(source: string): string[] {
  try {
    parseDiagram('test', source);
  } catch (error) {
    if (error instanceof DiagramError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseDiagram', () => {
  test('reads actors, title and annotated steps', () => {
    const diagram = parseDiagram(
      'test',
      `${header}${token}  opt Not signed in
  %% step: sign-in optional  match: front POST /authorize/sign-in -> 303|200  spec: RFC 6749 §3.1 https://www.rfc-editor.org/rfc/rfc6749#section-3.1
  %% why: Who are you? A name will do.
  Browser->>AS: POST /authorize/sign-in
  end
  Note over Client: not a message
`,
    );
    expect(diagram.title).toBe('A flow');
    expect(diagram.actors).toEqual([
      { id: 'client', label: 'MCP client' },
      { id: 'as', label: 'Authorization server' },
      { id: 'browser', label: 'Browser' },
    ]);
    expect(diagram.steps).toEqual([
      {
        id: 'token',
        index: 0,
        from: 'client',
        to: 'as',
        label: 'POST /oauth/token (code + code_verifier)',
        match: { channel: 'api', method: 'POST', path: '/oauth/token', param: { name: 'grant_type', value: 'authorization_code' }, status: '200' },
        why: 'The client trades the code. And the verifier.',
        spec: { label: 'RFC 6749 §4.1.3', href: 'https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3' },
        optional: false,
      },
      expect.objectContaining({ id: 'sign-in', index: 1, from: 'browser', optional: true, match: { channel: 'front', method: 'POST', path: '/authorize/sign-in', status: '303|200' } }),
    ]);
  });

  test('a participant label broken over lines in the picture reads as one line', () => {
    const diagram = parseDiagram('test', header.replace('participant AS as Authorization server', 'participant AS as Authorization server<br/>(the Worker)') + token);
    expect(diagram.actors[1]).toEqual({ id: 'as', label: 'Authorization server (the Worker)' });
  });

  test('a why may say "match:" without starting a field', () => {
    const source = token.replace('%% why: And the verifier.', '%% why: The hash must match: S256.');
    expect(parseDiagram('test', header + source).steps[0].why).toBe('The client trades the code. The hash must match: S256.');
  });

  test.each([
    ['a message without a step annotation', `  Client->>AS: GET /somewhere\n`, /line 6: message "GET \/somewhere" has no "%% step:" annotation/],
    ['a step without a matcher', token.replace(/match: .* -> 200 /, ''), /step "token" needs "match:/],
    ['a matcher that cannot be read', token.replace('api POST', 'api post'), /step "token" needs "match:/],
    ['a step without a spec', token.replace(/spec: .*$/m, ''), /step "token" needs "spec:/],
    ['a spec without a link', token.replace(' https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3', ''), /needs "spec:/],
    ['a step without a why', token.replace(/ {2}%% why: .*\n/g, ''), /step "token" needs a "%% why:" line/],
    ['a duplicate step id', token + token, /duplicate step id "token"/],
    ['an unknown actor', `${token}  participant Wallet\n`, /unknown actor "Wallet"/],
    ['an undeclared participant', token.replace('Client->>AS', 'Client->>MCP'), /"MCP" is not a declared participant/],
    ['a step id that is not kebab-case', token.replace('step: token', 'step: Token_1'), /step id "Token_1" must be kebab-case/],
    ['an annotation with no message after it', token.split('\n').slice(0, 3).join('\n'), /step "token" is not followed by a message/],
    ['an unknown flag', token.replace('step: token', 'step: token maybe'), /unknown flag/],
  ])('refuses %s, saying where', (_, body, problem) => {
    const problems = problemsOf(header + body);
    expect(problems.join('\n')).toMatch(problem);
  });

  test('reports every problem at once', () => {
    const problems = problemsOf(`${header}  Client->>AS: one\n  AS->>Client: two\n`);
    expect(problems).toHaveLength(2);
  });
});

describe('parseMatcher', () => {
  test.each([
    ['api GET /.well-known/oauth-protected-resource/mcp -> 200', { channel: 'api', method: 'GET', path: '/.well-known/oauth-protected-resource/mcp', status: '200' }],
    ['back GET /lab/*.json', { channel: 'back', method: 'GET', path: '/lab/*.json' }],
    ['api POST /mcp method=tools/call -> 2xx', { channel: 'api', method: 'POST', path: '/mcp', param: { name: 'method', value: 'tools/call' }, status: '2xx' }],
    ['front GET /authorize -> 200|302', { channel: 'front', method: 'GET', path: '/authorize', status: '200|302' }],
  ])('%s', (text, expected) => {
    expect(parseMatcher(text)).toEqual(expected);
  });

  test.each(['web GET /x', 'api get /x', 'api GET x', 'api GET /x -> ok', 'api GET /x ->', 'api GET /x =y', 'api GET /x a=b c=d', 'api GET /x -> 200 -> 302'])('refuses %s', (text) => {
    expect(parseMatcher(text)).toBeNull();
  });
});
