import type { AuthOptionEntry } from '../../server/catalogue.ts';

/**
 * The project files around a starter's src/: what a standalone Worker needs to install, run, test
 * and deploy. Versions come from the lab's own package.json, so a starter gets exactly what the
 * server was tested with.
 */
export interface Project {
  name: string;
  entry: AuthOptionEntry;
  /** The simulated provider kept in the starter, if any. */
  simulated: 'github' | 'oidc' | null;
  servesSse: boolean;
}

interface RootPackage {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

const RUNTIME = ['@cloudflare/workers-oauth-provider', 'agents', '@modelcontextprotocol/sdk', '@modelcontextprotocol/server', 'jose', 'zod'];
const DEVELOPMENT = ['@cloudflare/vitest-plugin', '@cloudflare/workers-types', '@types/node', 'typescript', 'vitest', 'wrangler'];

function pick(root: RootPackage, names: string[]): Record<string, string> {
  const all = { ...root.dependencies, ...root.devDependencies };
  return Object.fromEntries(
    names.map((name) => {
      if (!all[name]) throw new Error(`the root package.json has no ${name}`);
      return [name, all[name]];
    }),
  );
}

export function packageJson(project: Project, root: RootPackage): string {
  return `${JSON.stringify(
    {
      name: project.name,
      private: true,
      description: `An MCP server on Cloudflare Workers: ${project.entry.title.toLowerCase()}.`,
      type: 'module',
      engines: { node: '>=22.12' },
      scripts: {
        dev: 'wrangler dev',
        test: 'vitest run',
        typecheck: 'tsc --noEmit',
        deploy: 'wrangler deploy',
      },
      dependencies: pick(root, RUNTIME),
      devDependencies: pick(root, DEVELOPMENT),
      ...(root.allowScripts && { allowScripts: root.allowScripts }),
    },
    null,
    2,
  )}\n`;
}

/** The runtime a starter runs on, and its registration limit: the repository's own wrangler.jsonc's. */
export interface RootWrangler {
  date: string;
  flags: string[];
  /** The `ratelimits` entry that counts client registrations, as one line of JSON. */
  registrationLimiter: string;
}

/** Whether the starter serves a registration endpoint: its own authorization server's, or its simulated OpenID provider's. */
const registersClients = (project: Project) => project.entry.tokensFrom === 'this-worker' || project.simulated === 'oidc';

/** Why a starter has each compatibility flag, as its wrangler.jsonc says. */
const FLAG_NOTES: Record<string, string[]> = {
  nodejs_compat: ['  // nodejs_compat: the MCP SDK and agents use node:async_hooks.'],
  global_fetch_strictly_public: [
    '  // global_fetch_strictly_public: required before the OAuth library fetches Client ID Metadata',
    '  // Documents (SSRF protection); loopback still works under local dev.',
  ],
};

export function wranglerConfig(project: Project, root: RootWrangler): string {
  const lines = [
    '{',
    '  "$schema": "node_modules/wrangler/config-schema.json",',
    `  "name": "${project.name}",`,
    '  "main": "src/index.ts",',
    `  "compatibility_date": ${JSON.stringify(root.date)},`,
    ...root.flags.flatMap((flag) => FLAG_NOTES[flag] ?? []),
    `  "compatibility_flags": [${root.flags.map((flag) => JSON.stringify(flag)).join(', ')}],`,
    '  "observability": { "enabled": true },',
  ];
  if (project.simulated) {
    lines.push(
      '  // This Worker bound to itself: it calls the simulated provider it serves through this binding',
      '  // (src/upstream/upstream-fetch.ts), not over the internet. Keep "service" equal to "name".',
      `  "services": [{ "binding": "SELF", "service": "${project.name}" }],`,
    );
  }
  lines.push(
    '  // Grants, hashed tokens, clients and notes. No id: `wrangler deploy` provisions the namespace.',
    '  "kv_namespaces": [{ "binding": "OAUTH_KV" }],',
  );
  if (registersClients(project)) {
    lines.push(
      '  // Client registrations per client network address, per minute (src/http/rate-limit.ts): 429',
      '  // with Retry-After beyond the limit. A client registers once; a script looping meets it within',
      '  // seconds. The period (10 or 60 seconds) is the Retry-After the code sends',
      '  // (REGISTRATION_RATE_LIMIT): change both together. Optional: without it, no limit.',
      `  "ratelimits": [${root.registrationLimiter}],`,
    );
  }
  if (project.servesSse) {
    lines.push(
      '  // One Durable Object per legacy HTTP+SSE session (/sse).',
      '  "durable_objects": { "bindings": [{ "name": "MCP_OBJECT", "class_name": "LegacySseSession" }] },',
      '  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["LegacySseSession"] }],',
    );
  }
  lines.push(
    '  "vars": {',
    '    // Leave empty to use the request\'s own origin; set it to your deployed origin, e.g.',
    `    // "https://${project.name}.<your-subdomain>.workers.dev".`,
    '    "PUBLIC_ORIGIN": ""',
    '  }',
    '}',
  );
  return `${lines.join('\n')}\n`;
}

export function tsconfig(): string {
  return `${JSON.stringify(
    {
      compilerOptions: {
        target: 'es2022',
        module: 'es2022',
        moduleResolution: 'bundler',
        lib: ['es2023'],
        types: ['@cloudflare/workers-types', '@cloudflare/vitest-plugin/types', 'node'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        allowImportingTsExtensions: true,
        verbatimModuleSyntax: false,
      },
      include: ['src', 'vitest.config.ts'],
    },
    null,
    2,
  )}\n`;
}

export function vitestConfig(): string {
  return `import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Two kinds of test, one command (\`npm test\`):
//  - unit:  the pure modules, in Node, beside the code they test (*.test.ts)
//  - flows: the whole server inside workerd, the runtime it deploys to (*.flow.test.ts): real
//           requests through src/index.ts, OAuth from registration to tool calls
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], exclude: ['src/**/*.flow.test.ts'], environment: 'node' } },
      {
        // Vite warns about source maps the MCP SDKs publish without their sources: noise.
        logLevel: 'error',
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.jsonc' }, miniflare: { bindings: { SERVER_SECRET: 'test-only-secret-0123456789abcdef0123456789abcdef' } } })],
        test: { name: 'flows', include: ['src/**/*.flow.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
      },
    ],
  },
});
`;
}

const PROVIDER_SETTINGS: Record<string, string> = {
  github: `# GitHub: an OAuth app (Settings → Developer settings → OAuth Apps) whose callback is
# <origin>/authorize/github/callback.
# GITHUB_CLIENT_ID=
# GITHUB_CLIENT_SECRET=
`,
  'oidc-proxy': `# Your OpenID provider (Auth0, Stytch, Cloudflare Access, …), exactly as its discovery document
# names itself, and this server's confidential client there (callback <origin>/authorize/oidc/callback).
# OIDC_ISSUER=
# OIDC_CLIENT_ID=
# OIDC_CLIENT_SECRET=
# OIDC_SCOPES=openid profile email
`,
  'oidc-external': `# The authorization server whose JWT access tokens this server accepts, exactly as its discovery
# document names itself.
# OIDC_ISSUER=
# The aud its tokens carry for this API, when it cannot be the endpoint's URL (e.g. a project ID).
# OIDC_AUDIENCE=
# true: accept access tokens typed JWT rather than at+jwt (RFC 9068).
# OIDC_ALLOW_UNTYPED_ACCESS_TOKENS=false
`,
};

export function dotDevVarsExample(project: Project): string {
  const provider = PROVIDER_SETTINGS[project.entry.id];
  return `# Copy to .dev.vars for local settings (wrangler dev reads it). In production set secrets with
# \`npx wrangler secret put NAME\`.

# Signs cookies and remembered consent. Required on any non-loopback origin (32+ characters).
# Generate one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))"
# SERVER_SECRET=

# The origin this Worker is reached at. Empty: the request's own origin.
# PUBLIC_ORIGIN=

# Other browser origins allowed to call the MCP endpoint directly (comma-separated).
# ALLOWED_ORIGINS=http://localhost:6274
${
  provider
    ? `
${project.simulated ? `# Unset: the simulated provider this server serves itself (local development only).\n` : ''}${provider}`
    : ''
}`;
}

const FIRST_CHANGES: Record<string, string> = {
  worker: `1. **The sign-in.** \`src/options/worker/sign-in-session.ts\` and the sign-in page in
   \`src/options/worker/index.ts\` are a demo: any user name, no password. Replace them with your
   own authentication (a password check, passkeys, or a session from your existing site).`,
  github: `1. **The sign-in.** GitHub signs users in (\`src/options/github/\`). Decide who may use the server:
   \`finish\` in \`src/options/github/index.ts\` is where to refuse users (an organisation check,
   an allow-list).`,
  'oidc-proxy': `1. **The sign-in.** Your OpenID provider signs users in (\`src/options/oidc-proxy/\`); its ID token
   is verified before any grant. Decide there who may use the server (a claim, a group).`,
  'oidc-external': `1. **The sign-in.** Your provider signs users in and issues the tokens; this server only checks
   them (\`src/options/oidc-external/\`). Decide there which claims a token needs.`,
};

/** The settings of the real provider that each option needs to be deployed with. */
const PROVIDER_SECRETS: Record<string, { names: string[]; optional?: string[] }> = {
  worker: { names: [] },
  github: { names: ['GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET'] },
  'oidc-proxy': { names: ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'], optional: ['OIDC_SCOPES'] },
  'oidc-external': { names: ['OIDC_ISSUER'], optional: ['OIDC_AUDIENCE', 'OIDC_ALLOW_UNTYPED_ACCESS_TOKENS'] },
};

function providerSecrets(option: string): string {
  const { names, optional = [] } = PROVIDER_SECRETS[option];
  if (names.length === 0) return '';
  const commands = names.map((name) => `npx wrangler secret put ${name}`).join('\n');
  const more = optional.length > 0 ? ` If your provider needs them, ${optional.map((name) => `\`${name}\``).join(' and ')} are set the same way.` : '';
  return `\nThen the real provider's settings (what each one is: \`.dev.vars.example\`):\n\n\`\`\`sh\n${commands}\n\`\`\`\n${more ? `\n${more.trim()}\n` : ''}`;
}

export function readme(project: Project): string {
  const { entry, name } = project;
  const endpoints = Object.values(entry.endpoints)
    .map((path) => `\`${path}\``)
    .join(' and ');
  const providerNote =
    entry.id === 'worker'
      ? ''
      : project.simulated
        ? `\nWith nothing configured it uses the **simulated provider** it serves itself (clearly labelled
pages under \`/simulated/\`), so it runs with no account. Configure the real provider
(\`.dev.vars.example\`) and the same code talks to it. **Before real users sign in, delete the line
in \`src/simulated/index.ts\`**: a deployed stand-in lets anyone sign in as its made-up users.\n`
        : `\nIt talks to the real provider you configure (\`.dev.vars.example\`): until then its pages say
which settings are missing.\n`;
  return `# ${name}

A remote MCP server on Cloudflare Workers, secured with OAuth as the MCP authorization
specification asks: **${entry.title}** — ${entry.summary.charAt(0).toLowerCase()}${entry.summary.slice(1)}
Its MCP endpoint: ${endpoints}.
${providerNote}
## Start

\`\`\`sh
npm install && npm run dev
\`\`\`

The server listens on <http://localhost:8787>. Point an MCP client at
\`http://localhost:8787${entry.endpoints['streamable-http']}\` (for example \`npx @modelcontextprotocol/inspector\`),
and it will discover the authorization server, register, and send you through sign-in and consent.

\`\`\`sh
npm test
\`\`\`

runs the unit tests (Node) and the flow tests inside \`workerd\`, the runtime Cloudflare deploys to.

## Deploy

\`\`\`sh
npx wrangler deploy                          # the first deploy creates the KV namespace
npx wrangler secret put SERVER_SECRET        # 32+ random characters
\`\`\`
${providerSecrets(entry.id)}
Set \`PUBLIC_ORIGIN\` in \`wrangler.jsonc\` if the server is reached at another origin than the one
requests arrive on (a custom domain in front of it).
${
  registersClients(project)
    ? `
Client registration is limited per client network address (the \`ratelimits\` binding in
\`wrangler.jsonc\`, \`src/http/rate-limit.ts\`): beyond it, \`429\` with \`Retry-After\`.
`
    : ''
}
## What to change first

${FIRST_CHANGES[entry.id]}
2. **The tools.** \`src/mcp/tools.ts\` defines the shared tools with zod input schemas; an
   option's own tool sits in its folder. Give each tool the scopes it needs.
3. **The scopes.** \`src/scopes.ts\`: what this server can grant, and which scope is needed for
   any request.

## Files

| Path | What it is |
| --- | --- |
| \`src/index.ts\` | the Worker: the server composed from \`src/options/index.ts\` and \`src/simulated/index.ts\` |
| \`src/options/${entry.id}/\` | this auth option: its endpoint, its sign-in, its own tool |
| \`src/catalogue.ts\` | the option as data: paths, title, own tool |
| \`src/oauth/\` | the authorization server (\`@cloudflare/workers-oauth-provider\`), \`/authorize\` and consent |
| \`src/mcp/\` | the protected MCP endpoint: body, JSON-RPC and scope checks, the tools |
| \`src/server-info.ts\` | the server's name on its pages and in MCP \`initialize\` |
`;
}
