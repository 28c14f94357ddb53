import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { curlSnippet, maskToken, shellQuote, tsString, typescriptSnippet, type CallForSnippet } from './snippets';

const TOKEN = 'user-1:grant-2:s3cr3tS3cr3tS3cr3t';
const MASKED = 'user…cr3t';

const addCall: CallForSnippet = {
  endpoint: 'https://lab.example.com/mcp',
  transport: 'streamable-http',
  protocolVersion: '2025-11-25',
  token: TOKEN,
  request: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'add', arguments: { a: 19, b: 23 } } },
};
const countdownOverSse: CallForSnippet = {
  endpoint: 'https://lab.example.com/sse',
  transport: 'sse',
  protocolVersion: '2025-11-25',
  token: TOKEN,
  request: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'countdown', arguments: { seconds: 3 }, _meta: { progressToken: 'p1' } } },
};
const awkwardNote: CallForSnippet = {
  ...addCall,
  token: "it's-a-token-with-'quotes'-$HOME-`x`",
  request: { jsonrpc: '2.0', id: 'n-1', method: 'tools/call', params: { name: 'save_note', arguments: { text: "it's done\nnext line — café 🚀 $HOME `date` \\ \"q\"" } } },
};
const masked = { revealToken: false };
const revealed = { revealToken: true };

/**
 * Runs a curl snippet in bash with `curl` replaced by a function that prints its arguments, so
 * the test sees exactly the words the shell would hand to curl after all quoting. MCP_TOKEN is
 * only what `env` says, never one set where the tests run (undefined values are not passed on).
 */
function curlArgumentsOf(snippet: string, env: Record<string, string> = {}) {
  const fakeCurl = "curl() { printf 'CURL\\0'; printf '%s\\0' \"$@\"; }\n";
  const run = spawnSync('bash', ['-c', fakeCurl + snippet], { encoding: 'utf8', env: { ...process.env, MCP_TOKEN: undefined, ...env } });
  const invocations = run.stdout.split('CURL\0').slice(1).map((words) => words.split('\0').slice(0, -1));
  return { status: run.status, stderr: run.stderr, invocations };
}

const bashSyntaxErrors = (snippet: string) => spawnSync('bash', ['-n'], { input: snippet, encoding: 'utf8' });

describe('maskToken', () => {
  it('shows the first and last four characters of a long token', () => {
    expect(maskToken(TOKEN)).toBe(MASKED);
  });

  it('masks a short token completely, and a token with characters that are not visible ASCII', () => {
    expect(maskToken('abcdefghijklmnopqrstuvw')).toBe('••••••••'); // 23 characters: 8 shown would be a third of it
    expect(maskToken('')).toBe('••••••••');
    expect(maskToken('abcdefghijklmnopqrstuvwxyz\nrm -rf')).toBe('••••••••'); // never a newline into a comment
  });
});

describe('curl over Streamable HTTP', () => {
  it('is one POST with the token read from MCP_TOKEN while masked', () => {
    expect(curlSnippet(addCall, masked)).toBe(
      `# A real client sends initialize first; this stateless server also answers a lone tools/call.
# Token hidden (user…cr3t): reveal it to copy it whole, or export MCP_TOKEN='<your access token>' first.
curl 'https://lab.example.com/mcp' \\
  -H 'Content-Type: application/json' \\
  -H 'Accept: application/json, text/event-stream' \\
  -H 'MCP-Protocol-Version: 2025-11-25' \\
  -H "Authorization: Bearer \${MCP_TOKEN:?reveal the token in the playground or export MCP_TOKEN}" \\
  --data '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":19,"b":23}}}'
`,
    );
  });

  it('carries the token itself once revealed', () => {
    expect(curlSnippet(addCall, revealed)).toBe(
      `# A real client sends initialize first; this stateless server also answers a lone tools/call.
# The access token is written out below: treat this snippet like a password.
curl 'https://lab.example.com/mcp' \\
  -H 'Content-Type: application/json' \\
  -H 'Accept: application/json, text/event-stream' \\
  -H 'MCP-Protocol-Version: 2025-11-25' \\
  -H 'Authorization: Bearer user-1:grant-2:s3cr3tS3cr3tS3cr3t' \\
  --data '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":19,"b":23}}}'
`,
    );
  });

  it('hands curl the exact JSON body and token, whatever quotes, newlines and unicode they hold', () => {
    const { status, invocations } = curlArgumentsOf(curlSnippet(awkwardNote, revealed));
    expect(status).toBe(0);
    expect(invocations).toHaveLength(1);
    const words = invocations[0]!;
    expect(words[0]).toBe('https://lab.example.com/mcp');
    expect(words.at(-1)).toBe(JSON.stringify(awkwardNote.request));
    expect(JSON.parse(words.at(-1)!)).toEqual(awkwardNote.request);
    expect(words).toContain(`Authorization: Bearer ${awkwardNote.token}`);
  });

  it("escapes a single quote as '\\''", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(curlSnippet(awkwardNote, masked)).toContain(`"text":"it'\\''s done\\nnext line — café 🚀 $HOME \`date\` \\\\ \\"q\\""`);
  });

  it('masked, refuses to run without MCP_TOKEN and sends it when set', () => {
    const snippet = curlSnippet(addCall, masked);
    const unset = curlArgumentsOf(snippet);
    expect(unset.status).not.toBe(0);
    expect(unset.invocations).toEqual([]); // curl never ran with an empty or masked token
    expect(unset.stderr).toContain('reveal the token in the playground or export MCP_TOKEN');

    const set = curlArgumentsOf(snippet, { MCP_TOKEN: TOKEN });
    expect(set.status).toBe(0);
    expect(set.invocations[0]).toContain(`Authorization: Bearer ${TOKEN}`);
  });

  it('streams progress unbuffered when the call asks for it', () => {
    const withProgress = { ...addCall, request: { ...addCall.request, params: { ...addCall.request.params, _meta: { progressToken: 1 } } } };
    expect(curlSnippet(withProgress, masked)).toContain("curl 'https://lab.example.com/mcp' \\\n  --no-buffer \\\n");
  });

  it('on 2026-07-28 adds the per-request envelope and the Mcp-Method and Mcp-Name headers', () => {
    const modern = { ...addCall, protocolVersion: '2026-07-28', request: { ...addCall.request, params: { name: 'café', arguments: {} } } };
    const [words] = curlArgumentsOf(curlSnippet(modern, revealed)).invocations;
    expect(words).toContain('MCP-Protocol-Version: 2026-07-28');
    expect(words).toContain('Mcp-Method: tools/call');
    expect(words).toContain(`Mcp-Name: =?base64?${Buffer.from('café').toString('base64')}?=`); // not plain ASCII
    expect(JSON.parse(words!.at(-1)!).params).toEqual({
      name: 'café',
      arguments: {},
      _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} },
    });
    expect(curlSnippet(modern, masked)).toMatch(/^# 2026-07-28 has no initialize/);
  });
});

describe('curl over legacy HTTP+SSE', () => {
  it('opens the stream in one terminal and posts the lifecycle and the call from another', () => {
    expect(curlSnippet(countdownOverSse, masked)).toBe(
      `# Legacy HTTP+SSE takes two terminals: every answer arrives on the stream, not in the POST responses.
# Token hidden (user…cr3t): reveal it to copy it whole, or export MCP_TOKEN='<your access token>' first.

# 1. Open the stream and leave it running. Its first event names your message URL:
#      event: endpoint
#      data: /…/message?sessionId=…
curl 'https://lab.example.com/sse' \\
  -N \\
  -H 'Accept: text/event-stream' \\
  -H "Authorization: Bearer \${MCP_TOKEN:?reveal the token in the playground or export MCP_TOKEN}"

# 2. In a second terminal, put that sessionId in SESSION_URL, then send the three messages in order
#    (each POST answers 202 Accepted; the results appear in the first terminal).
SESSION_URL='https://lab.example.com/sse/message?sessionId=PASTE_THE_SESSION_ID'
curl "$SESSION_URL" \\
  -H 'Content-Type: application/json' \\
  -H "Authorization: Bearer \${MCP_TOKEN:?reveal the token in the playground or export MCP_TOKEN}" \\
  --data '{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1.0.0"}}}'
curl "$SESSION_URL" \\
  -H 'Content-Type: application/json' \\
  -H "Authorization: Bearer \${MCP_TOKEN:?reveal the token in the playground or export MCP_TOKEN}" \\
  --data '{"jsonrpc":"2.0","method":"notifications/initialized"}'
curl "$SESSION_URL" \\
  -H 'Content-Type: application/json' \\
  -H "Authorization: Bearer \${MCP_TOKEN:?reveal the token in the playground or export MCP_TOKEN}" \\
  --data '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"countdown","arguments":{"seconds":3},"_meta":{"progressToken":"p1"}}}'
`,
    );
  });

  it('sends the stream GET and the three POSTs to the right URLs, in order', () => {
    const { status, invocations } = curlArgumentsOf(curlSnippet(countdownOverSse, revealed));
    expect(status).toBe(0);
    expect(invocations.map((words) => words[0])).toEqual([
      'https://lab.example.com/sse',
      ...Array(3).fill('https://lab.example.com/sse/message?sessionId=PASTE_THE_SESSION_ID'),
    ]);
    expect(invocations.slice(1).map((words) => JSON.parse(words.at(-1)!).method)).toEqual(['initialize', 'notifications/initialized', 'tools/call']);
    expect(JSON.parse(invocations[3]!.at(-1)!)).toEqual(countdownOverSse.request);
    for (const words of invocations) expect(words).toContain(`Authorization: Bearer ${TOKEN}`);
  });

  it('puts the message URL under the stream path of any endpoint', () => {
    const github = { ...countdownOverSse, endpoint: 'https://lab.example.com/github/sse' };
    expect(curlSnippet(github, masked)).toContain("SESSION_URL='https://lab.example.com/github/sse/message?sessionId=PASTE_THE_SESSION_ID'");
  });
});

describe('TypeScript with the MCP SDK 1.32 client', () => {
  it('Streamable HTTP, token from MCP_TOKEN while masked', () => {
    expect(typescriptSnippet(addCall, masked)).toBe(
      `// npm install @modelcontextprotocol/sdk@1.32, save as call.mts, run with: node call.mts
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

// Token hidden in the playground (user…cr3t): run with MCP_TOKEN set to it.
const token = process.env.MCP_TOKEN;
if (!token) throw new Error('Set MCP_TOKEN to your access token (reveal it in the playground to copy it).');

const transport = new StreamableHTTPClientTransport(new URL('https://lab.example.com/mcp'), {
  requestInit: { headers: { Authorization: \`Bearer \${token}\` } },
});
const client = new Client({ name: 'mcp-auth-lab-snippet', version: '1.0.0' });
// connect() runs initialize (agreeing on the protocol version) and notifications/initialized.
await client.connect(transport);
try {
  const result = await client.callTool({
    name: 'add',
    arguments: {
      "a": 19,
      "b": 23
    },
  });
  console.log(JSON.stringify(result, null, 2));
} finally {
  await client.close();
}
`,
    );
  });

  it('legacy SSE with progress, token revealed', () => {
    expect(typescriptSnippet(countdownOverSse, revealed)).toBe(
      `// npm install @modelcontextprotocol/sdk@1.32, save as call.mts, run with: node call.mts
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';

// The access token is written out here: treat this file like a password.
const token = 'user-1:grant-2:s3cr3tS3cr3tS3cr3t';

// SDK 1.32 sends these headers on the GET that opens the stream as well as on every POST.
const transport = new SSEClientTransport(new URL('https://lab.example.com/sse'), {
  requestInit: { headers: { Authorization: \`Bearer \${token}\` } },
});
const client = new Client({ name: 'mcp-auth-lab-snippet', version: '1.0.0' });
// connect() runs initialize (agreeing on the protocol version) and notifications/initialized.
await client.connect(transport);
try {
  // With onprogress the SDK puts its own progressToken in _meta and routes the notifications here.
  const result = await client.callTool({
    name: 'countdown',
    arguments: {
      "seconds": 3
    },
  }, undefined, {
    onprogress: (progress) => console.log(\`progress \${progress.progress}/\${progress.total ?? '?'}\`, progress.message ?? ''),
  });
  console.log(JSON.stringify(result, null, 2));
} finally {
  await client.close();
}
`,
    );
  });

  it('writes any string as a TypeScript literal that reads back the same', () => {
    for (const value of [awkwardNote.token, "a'b\"c\\d\ne\u2028f`${x}`"]) {
      expect(tsString(value).startsWith("'")).toBe(true);
      expect(new Function(`return ${tsString(value)}`)()).toBe(value);
    }
  });
});

describe('a masked snippet never holds the whole token', () => {
  const calls = [addCall, countdownOverSse, awkwardNote, { ...addCall, protocolVersion: '2026-07-28' }];
  it.each(calls.map((call) => [call.transport, call.protocolVersion, call] as const))('%s %s', (_transport, _version, call) => {
    for (const snippet of [curlSnippet(call, masked), typescriptSnippet(call, masked)]) expect(snippet).not.toContain(call.token);
    // Revealed, the token is there whole, though quoted for its language (this one holds quotes).
    for (const words of curlArgumentsOf(curlSnippet(call, revealed)).invocations) expect(words).toContain(`Authorization: Bearer ${call.token}`);
    expect(typescriptSnippet(call, revealed)).toContain(`const token = ${tsString(call.token)};`);
  });
});

describe('the snippets are valid programs', () => {
  const calls = { addCall, countdownOverSse, awkwardNote, noArguments: { ...addCall, request: { ...addCall.request, params: { name: 'whoami' } } } };

  it('every curl snippet passes bash -n', () => {
    for (const call of Object.values(calls)) {
      for (const options of [masked, revealed]) {
        const check = bashSyntaxErrors(curlSnippet(call, options));
        expect(check.stderr).toBe('');
        expect(check.status).toBe(0);
      }
    }
  });

  // Inside node_modules so the imports resolve from /work/main/node_modules like any package's would.
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const cacheDir = join(root, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const dir = mkdtempSync(join(cacheDir, 'snippets-typecheck-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'every TypeScript snippet type-checks against the installed SDK (strict, NodeNext, ES2022)',
    () => {
      const files: string[] = [];
      for (const [name, call] of Object.entries(calls)) {
        for (const options of [masked, revealed]) {
          const file = `${name}-${options.revealToken ? 'revealed' : 'masked'}.mts`;
          writeFileSync(join(dir, file), typescriptSnippet(call, options));
          files.push(file);
        }
      }
      const compilerOptions = { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], skipLibCheck: true };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
      // TypeScript 7's JavaScript API is still `typescript/unstable/*`; its tsc is the stable entry point.
      const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir, '--pretty', 'false'], { encoding: 'utf8' });
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
    },
    60_000,
  );
});
