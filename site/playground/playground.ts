import { SCOPE_IMPLIES } from '../../server/scopes';
import type { CapturedExchange, ToolCall, Transport } from '../flow/types';
import type { ProtocolRevision } from '../flow/mcp';
import { prettyJsonWithInlineArrays } from '../lib/json-format';
import { currentTheme } from '../lib/theme';
import { h } from '../player/dom';
import type { EditorProblem, JsonEditor } from '../player/json-editor';
import { jsonOf, PlaygroundClient, type CallOutcome, type Progress, type RunningCall } from './call-client';
import type { HeldGrant } from './grant';
import { readOutcome, type ContentBlock, type ReadOutcome } from './outcome';
import { curlSnippet, typescriptSnippet, type CallForSnippet } from './snippets';
import { exampleRequest, isObject, missingScopes, requestSchema, type PlaygroundTool } from './tool-catalog';

/**
 * The tool playground's behaviour (markup: components/playground/ToolPlayground.astro). It asks
 * the authorized endpoint for its tools, gives Monaco the request schema derived from them, sends
 * the learner's request with the held token, and shows the answer by kind (HTTP challenge,
 * JSON-RPC error, tool error, result), with progress as it streams, a Cancel, the call as curl or
 * TypeScript, and a history. The same class serves the player in every lesson and the playground
 * page; the host says where the token comes from and runs a step-up on its diagram.
 */
export interface PlaygroundHost {
  /** The MCP endpoint the token was issued for. */
  serverUrl(): string;
  transport(): Transport;
  /** The MCP protocol revision the run's client speaks (2026-07-28: metadata on every request). */
  revision(): ProtocolRevision;
  traceId(): string;
  /** The newest access token and its scopes; null before a run has one. */
  grant(): HeldGrant | null;
  record(exchange: CapturedExchange): void;
  /** Runs the step-up for this call on the diagram; false when it cannot now (and says why). */
  stepUp(call: ToolCall): boolean;
}

interface HistoryEntry {
  number: number;
  request: string;
  tool: string;
  outcome: ReadOutcome;
  raw: CallOutcome;
  at: number;
  ms: number;
  snippet: CallForSnippet | null;
}

const KIND_LABELS: Record<ReadOutcome['kind'], string> = {
  'not-sent': 'Not sent',
  cancelled: 'Cancelled',
  unauthorized: 'HTTP 401',
  'insufficient-scope': 'HTTP 403 insufficient_scope',
  'http-error': 'HTTP error',
  'jsonrpc-error': 'JSON-RPC error',
  'tool-error': 'Tool error (isError)',
  result: 'Result',
};
const SPEC = {
  tools: 'https://modelcontextprotocol.io/specification/2025-11-25/server/tools#error-handling',
  structured: 'https://modelcontextprotocol.io/specification/2025-11-25/server/tools#structured-content',
  scope: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-challenge-handling',
  tokens: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#token-handling',
  cancel: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/cancellation',
};

/** The editor's text as a JSON object, or undefined. */
const parse = (text: string): Record<string, unknown> | undefined => {
  const value = jsonOf(text);
  return isObject(value) ? value : undefined;
};

export class ToolPlayground {
  readonly #root: HTMLElement;
  readonly #host: PlaygroundHost;
  #editor: JsonEditor | null = null;
  #loading: Promise<JsonEditor | null> | null = null;
  #client: PlaygroundClient | null = null;
  #tools: PlaygroundTool[] = [];
  #selected = '';
  #nextId = 1;
  #enabled = false;
  #running: RunningCall | null = null;
  #history: HistoryEntry[] = [];
  #shown: HistoryEntry | null = null;
  #snippetLanguage: 'curl' | 'typescript' = 'curl';
  /** What the problems' live region last said, and the wait before it says the next. */
  #problemsSaid = '';
  #problemsTimer = 0;
  /** The Step up button pressed, while its step-up runs: focus moves on to Send when it ends. */
  #steppingUpFrom: HTMLElement | null = null;

  constructor(root: HTMLElement, host: PlaygroundHost) {
    this.#root = root;
    this.#host = host;
    this.#el('[data-pg-open]').addEventListener('click', () => void this.#toggle());
    this.#el('[data-pg-send]').addEventListener('click', () => void this.#send());
    this.#el('[data-pg-cancel]').addEventListener('click', () => void this.#running?.cancel());
    this.#el('[data-pg-relist]').addEventListener('click', () => void this.#list());
    this.#el('[data-pg-reveal]').addEventListener('change', () => this.#renderSnippet());
    this.#el('[data-pg-copy-snippet]').addEventListener('click', () => void this.#copySnippet());
    for (const tab of this.#all('[data-pg-snippet-tab]')) tab.addEventListener('click', () => this.#chooseSnippet(tab.dataset.pgSnippetTab as 'curl' | 'typescript'));
    this.#el('.pg-copy-tabs').addEventListener('keydown', (event) => this.#tabKeys(event as KeyboardEvent));
    this.#el('[data-pg-tool-list]').addEventListener('change', (event) => this.#choose((event.target as HTMLInputElement).value));
    new MutationObserver(() => this.#editor?.setTheme(currentTheme() === 'dark')).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  }

  #el<T extends HTMLElement = HTMLElement>(selector: string): T {
    return this.#root.querySelector<T>(selector)!;
  }
  #all<T extends HTMLElement = HTMLElement>(selector: string): T[] {
    return [...this.#root.querySelectorAll<T>(selector)];
  }

  /** A token is held (or no longer is). The first time, the playground page opens the editor itself. */
  setEnabled(enabled: boolean): void {
    const first = enabled && !this.#enabled;
    this.#enabled = enabled;
    this.#updateButtons();
    if (enabled && this.#steppingUpFrom) {
      // The step-up ended (the player disables the playground while it runs): the next step is to
      // send again. Unless the learner went elsewhere meanwhile.
      const from = this.#steppingUpFrom;
      this.#steppingUpFrom = null;
      if (document.activeElement === from || document.activeElement === document.body) this.#el('[data-pg-send]').focus();
    }
    if (first && this.#root.dataset.autoOpen === 'true' && this.#el('[data-pg-body]').hidden) void this.#toggle();
    else if (first && !this.#el('[data-pg-body]').hidden && this.#tools.length === 0) void this.#list();
  }

  /** The endpoint or its token changed hands (a new run, another option): forget the old list and session. */
  reset(): void {
    void this.#running?.cancel();
    this.#running = null;
    this.#client?.close();
    this.#client = null;
    this.#tools = [];
    this.#el('[data-pg-tool-list]').replaceChildren();
    this.#el('[data-pg-tools-empty]').hidden = false;
    this.#el('[data-pg-result]').hidden = true;
    this.#el('[data-pg-copy]').hidden = true;
    this.#status('');
    this.#callStatus('');
  }

  async #toggle(): Promise<void> {
    const body = this.#el('[data-pg-body]');
    const toggle = this.#el('[data-pg-open]');
    if (!body.hidden) {
      body.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
      toggle.textContent = 'Open the editor';
      return;
    }
    body.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    toggle.textContent = 'Close the editor';
    if (!this.#editor) this.#status('Loading the editor…');
    const editor = await this.#load();
    if (!editor) return this.#status('The editor could not be loaded. Reload the page to try again.');
    this.#status('');
    if (this.#tools.length === 0) await this.#list();
  }

  #load(): Promise<JsonEditor | null> {
    this.#loading ??= import('../player/json-editor').then(
      ({ createJsonEditor }) => {
        this.#editor = createJsonEditor(this.#el('[data-pg-editor]'), '{\n  "jsonrpc": "2.0"\n}', {
          dark: currentTheme() === 'dark',
          // json-editor adds what Tab does (and that Ctrl+M switches it).
          ariaLabel: 'JSON-RPC request to send. Ctrl+Space completes.',
        });
        this.#editor.onProblems((problems) => this.#showProblems(problems));
        this.#root.dataset.editorReady = 'true';
        return this.#editor;
      },
      () => null,
    );
    return this.#loading;
  }

  #clientFor(): PlaygroundClient {
    const serverUrl = this.#host.serverUrl();
    const transport = this.#host.transport();
    if (this.#client && (this.#client.serverUrl !== serverUrl || this.#client.transport !== transport)) this.reset();
    this.#client ??= new PlaygroundClient({ serverUrl, transport, revision: this.#host.revision(), traceId: this.#host.traceId(), record: (exchange) => this.#host.record(exchange) });
    return this.#client;
  }

  /** Asks the endpoint for tools/list with the held token, and hands the result to the editor. */
  async #list(): Promise<void> {
    const grant = this.#host.grant();
    this.#el('[data-pg-endpoint]').textContent = new URL(this.#host.serverUrl()).pathname;
    if (!grant) return this.#status('Run the flow first: the tool list is asked for with its access token.');
    this.#status('Asking the endpoint for tools/list…');
    const { tools, outcome } = await this.#clientFor().listTools(grant.accessToken);
    if (!tools) {
      const read = readOutcome(outcome);
      return this.#status(`No tool list: ${read.kind === 'unauthorized' ? 'the token was refused (401). Refresh it or run the flow again.' : (outcome.problem ?? KIND_LABELS[read.kind])}`);
    }
    this.#tools = tools;
    this.#editor?.setSchema(requestSchema(tools));
    this.#renderTools(grant);
    const keep = tools.some((tool) => tool.name === this.#selected) ? this.#selected : (tools.find((tool) => tool.name === 'whoami') ?? tools[0])?.name;
    if (keep) this.#choose(keep);
    this.#status(`${tools.length} tools, from tools/list just now.`);
  }

  #renderTools(grant: HeldGrant): void {
    const list = this.#el('[data-pg-tool-list]');
    // Unique on the page: each playground's markup carries its player's id prefix.
    const name = `${this.#root.dataset.idPrefix ?? 'pg'}-tool`;
    list.replaceChildren(
      ...this.#tools.map((tool) => {
        // The lab knows its own server's hierarchy (mcp:write includes mcp:read); a general client cannot, and relies on the 403.
        const lacking = grant.scopes.length > 0 ? missingScopes(tool, grant.scopes, SCOPE_IMPLIES) : [];
        const descriptionId = `${name}-${tool.name}`;
        return h(
          'li',
          { class: 'pg-tool' },
          h(
            'label',
            {},
            h('input', { type: 'radio', name, value: tool.name, 'aria-describedby': descriptionId }),
            h('span', { class: 'pg-tool-name' }, tool.name),
            tool.annotations?.readOnlyHint === false ? [' ', h('span', { class: 'pg-tag pg-tag-writes' }, 'writes')] : null,
          ),
          h(
            'span',
            { class: 'pg-tool-about', id: descriptionId },
            h('span', {}, tool.title ?? tool.description ?? ''),
            tool.requiredScopes.length > 0 ? h('span', { class: 'pg-scopes' }, 'Needs', ...tool.requiredScopes.flatMap((scope) => [' ', h('code', { class: lacking.includes(scope) ? 'pg-lacking' : '' }, scope)])) : null,
            lacking.length > 0 ? h('span', { class: 'pg-lack-note' }, `Your token lacks ${lacking.join(' ')}: a call gets a 403.`) : null,
          ),
        );
      }),
    );
    this.#el('[data-pg-tools-empty]').hidden = this.#tools.length > 0;
  }

  /** Puts the tool's example request (derived from its input schema) in the editor. */
  #choose(toolName: string): void {
    const tool = this.#tools.find((candidate) => candidate.name === toolName);
    if (!tool) return;
    this.#selected = tool.name;
    const radio = this.#all<HTMLInputElement>('[data-pg-tool-list] input').find((input) => input.value === tool.name);
    if (radio) radio.checked = true;
    this.#editor?.setValue(exampleRequest(tool, this.#nextId));
    this.#updateButtons();
  }

  #showProblems(problems: EditorProblem[]): void {
    this.#sayProblems(problems);
    const box = this.#el('[data-pg-problems]');
    if (problems.length === 0) {
      box.replaceChildren();
      return;
    }
    box.replaceChildren(
      h('p', { class: 'pg-problems-title' }, `${problems.length} problem${problems.length === 1 ? '' : 's'} before sending:`),
      h('ul', {}, ...problems.map((problem) => h('li', {}, `Line ${problem.line}: ${problem.message}`))),
    );
  }

  /**
   * The problems in a few words (their count and the first), once the list has stayed the same for
   * a second: the JSON service checks again at every pause in typing, and a screen reader should
   * not hear every half-typed state, nor the same list twice.
   */
  #sayProblems(problems: EditorProblem[]): void {
    const [first] = problems;
    const words = first
      ? `${problems.length} problem${problems.length === 1 ? '' : 's'} before sending. Line ${first.line}: ${first.message}`
      : this.#problemsSaid
        ? 'No problems left before sending.'
        : '';
    window.clearTimeout(this.#problemsTimer);
    this.#problemsTimer = window.setTimeout(() => {
      if (words === this.#problemsSaid) return;
      this.#el('[data-pg-problems-said]').textContent = words;
      this.#problemsSaid = first ? words : '';
    }, 1000);
  }

  #updateButtons(): void {
    const running = this.#running !== null;
    this.#el<HTMLButtonElement>('[data-pg-send]').disabled = !this.#enabled || running || !this.#editor;
    this.#el('[data-pg-cancel]').hidden = !running;
  }

  async #send(): Promise<void> {
    const editor = this.#editor;
    const grant = this.#host.grant();
    if (!this.#enabled || !editor || this.#running) return;
    const text = editor.getValue();
    const parsed = parse(text);
    const params = parsed?.params as { name?: unknown; arguments?: unknown } | undefined;
    const toolName = typeof params?.name === 'string' ? params.name : '(not a tool call)';
    const tool = this.#tools.find((candidate) => candidate.name === toolName);
    const problems = editor.problems().filter((problem) => problem.severity === 'error');
    const started = Date.now();
    const number = this.#history.length + 1;
    const progressList = h('ol', { class: 'pg-progress', 'aria-label': 'Progress notifications' });
    this.#showResult(`Call ${number}: ${toolName}`, [
      problems.length > 0 ? h('p', { class: 'pg-note' }, `Sent with ${problems.length} problem${problems.length === 1 ? '' : 's'} the editor marked: see what the server says about ${problems.length === 1 ? 'it' : 'them'}.`) : null,
      progressList,
    ]);
    this.#callStatus(`Sending ${toolName}…`);
    // Progress shows in the answer's list; the status (a live region) says only the start and the end.
    this.#running = this.#clientFor().call(text, grant?.accessToken ?? null, (update) => {
      progressList.appendChild(h('li', {}, progressText(update)));
    });
    // Send is disabled while the call runs: focus on it would fall to the page, so it moves to Cancel.
    const sendHadFocus = document.activeElement === this.#el('[data-pg-send]');
    this.#updateButtons();
    if (sendHadFocus) this.#el('[data-pg-cancel]').focus({ preventScroll: true });
    const raw = await this.#running.done;
    this.#running = null;
    this.#nextId++;
    const outcome = readOutcome(raw, tool);
    const entry: HistoryEntry = {
      number,
      request: text,
      tool: toolName,
      outcome,
      raw,
      at: started,
      ms: Date.now() - started,
      snippet: parsed && grant ? { endpoint: this.#host.serverUrl(), transport: this.#host.transport(), protocolVersion: this.#host.revision(), token: grant.accessToken, request: parsed as never } : null,
    };
    this.#history.push(entry);
    this.#show(entry);
    this.#renderHistory();
    this.#callStatus(`Call ${number}, ${toolName}: ${summary(outcome)}`);
    // And back to Send once Cancel hides, if it was there (a keyboard user's next step is usually another call).
    const cancelHadFocus = document.activeElement === this.#el('[data-pg-cancel]');
    this.#updateButtons();
    if (cancelHadFocus) this.#el('[data-pg-send]').focus({ preventScroll: true });
  }

  #showResult(title: string, body: (Node | null)[]): void {
    this.#el('[data-pg-result]').hidden = false;
    this.#el('[data-pg-result-title]').textContent = title;
    this.#el('[data-pg-result-body]').replaceChildren(...body.filter((node): node is Node => node !== null));
  }

  #show(entry: HistoryEntry): void {
    this.#shown = entry;
    const { outcome, raw } = entry;
    const parts: (Node | null)[] = [h('p', { class: `pg-kind pg-kind-${outcome.kind}` }, h('strong', {}, KIND_LABELS[outcome.kind]), ` · ${raw.status === null ? 'no HTTP answer' : `HTTP ${raw.status}`} · ${entry.ms} ms`)];
    parts.push(...this.#explain(entry));
    if (raw.progress.length > 0) parts.push(h('p', { class: 'pg-label' }, 'Progress, as it arrived'), h('ol', { class: 'pg-progress' }, ...raw.progress.map((update) => h('li', {}, progressText(update)))));
    if (raw.reply !== undefined) {
      parts.push(h('details', { class: 'pg-raw' }, h('summary', {}, 'The JSON-RPC answer, as received'), h('pre', { tabindex: 0 }, prettyJsonWithInlineArrays(raw.reply))));
    } else if (raw.exchange?.responseBody) {
      parts.push(h('details', { class: 'pg-raw', open: true }, h('summary', {}, 'The response body'), h('pre', { tabindex: 0 }, raw.exchange.responseBody)));
    }
    this.#showResult(`Call ${entry.number}: ${entry.tool}`, parts);
    const copy = this.#el<HTMLDetailsElement>('[data-pg-copy]');
    copy.hidden = entry.snippet === null;
    this.#renderSnippet();
  }

  /** What Cancel did, which differs by transport and revision (the tools lesson, "Progress and cancellation"). */
  #howCancelled(): string {
    if (this.#host.transport() === 'sse') return 'The client sent notifications/cancelled on the session, whose server aborts the running call.';
    if (this.#host.revision() === '2026-07-28') return 'The client closed the call’s response stream, which 2026-07-28 defines as the cancellation (it sends no notifications/cancelled over HTTP).';
    return 'The client sent notifications/cancelled and closed the call’s response stream. On this stateless endpoint the notification reaches a server that never saw the call; closing the stream is what stops the tool.';
  }

  #explain(entry: HistoryEntry): (Node | null)[] {
    const { outcome } = entry;
    const link = (href: string, text: string) => h('a', { href }, text);
    switch (outcome.kind) {
      case 'not-sent':
        return [h('p', {}, outcome.problem)];
      case 'cancelled':
        return [h('p', {}, `${this.#howCancelled()} An answer that still comes is ignored. `, link(SPEC.cancel, 'MCP: cancellation'))];
      case 'unauthorized':
        return [h('p', {}, `The server did not accept the token${outcome.error ? ` (${outcome.error})` : ''}: it expired or was revoked. No tool ran. Refresh the token, or run the flow again. `, link(SPEC.tokens, 'MCP: token handling'))];
      case 'insufficient-scope': {
        const call = this.#callOf(entry.request);
        const button = h('button', { type: 'button', class: 'button', 'data-pg-step-up': '' }, `Step up: ask for ${outcome.scopes.join(' ')}`);
        button.addEventListener('click', () => {
          if (call && this.#host.stepUp(call)) {
            this.#callStatus('Step-up started: follow it on the diagram, then send again.');
            this.#steppingUpFrom = button;
          } else {
            this.#callStatus('The step-up cannot start now: it needs a finished run, with no other request of the player running.');
          }
        });
        return [
          h('p', {}, `The token is valid but its scopes do not cover this tool: the server refused before the tool ran, and its WWW-Authenticate names the scopes the call needs (${outcome.scopes.join(' ')}). A client asks the user again for them. `, link(SPEC.scope, 'MCP: scope challenge handling')),
          call ? h('p', {}, button) : null,
        ];
      }
      case 'http-error':
        return [h('p', {}, `The HTTP layer refused the request${outcome.status === 403 ? ' (a 403 without insufficient_scope: for example an Origin this server does not accept)' : ''}. No JSON-RPC was processed.`)];
      case 'jsonrpc-error':
        return [
          h('p', {}, `Error ${outcome.code}: ${outcome.message}`),
          h('p', { class: 'pg-why' }, 'A protocol error: the message itself was refused (an unknown tool, a malformed request), so no tool ran. A model cannot act on it the way it can on a tool error. ', link(SPEC.tools, 'MCP tools: error handling')),
        ];
      case 'tool-error':
        return [
          contentView(outcome.content),
          h('p', { class: 'pg-why' }, 'A tool error: the call reached the tool, which answered with isError: true and says what went wrong, so a model can read it and try again (invalid arguments come back this way too). ', link(SPEC.tools, 'MCP tools: error handling')),
        ];
      case 'result':
        return [
          h(
            'div',
            { class: 'pg-sides' },
            h('section', { class: 'pg-side', 'aria-label': 'content' }, h('p', { class: 'pg-label' }, 'content (for the model and you)'), contentView(outcome.content)),
            h(
              'section',
              { class: 'pg-side', 'aria-label': 'structuredContent' },
              h('p', { class: 'pg-label' }, 'structuredContent (for code)'),
              outcome.structured ? h('pre', { tabindex: 0 }, prettyJsonWithInlineArrays(outcome.structured)) : h('p', {}, 'None.'),
              outcome.outputCheck
                ? outcome.outputCheck.valid
                  ? h('p', { class: 'pg-check pg-check-ok' }, '✓ Matches the tool’s outputSchema.')
                  : h('div', { class: 'pg-check pg-check-bad' }, h('p', {}, '✗ Does not match the tool’s outputSchema:'), h('ul', {}, ...outcome.outputCheck.errors.map((error) => h('li', {}, error))))
                : h('p', { class: 'pg-check' }, 'The tool declares no outputSchema to check it against.'),
            ),
          ),
          h('p', { class: 'pg-why' }, link(SPEC.structured, 'MCP tools: structured content')),
        ];
    }
  }

  #callOf(text: string): ToolCall | null {
    const params = parse(text)?.params as { name?: unknown; arguments?: unknown } | undefined;
    if (typeof params?.name !== 'string') return null;
    const args = typeof params.arguments === 'object' && params.arguments !== null ? (params.arguments as Record<string, unknown>) : {};
    return { name: params.name, arguments: args };
  }

  #renderHistory(): void {
    const section = this.#el('[data-pg-history]');
    section.hidden = this.#history.length === 0;
    this.#el('[data-pg-history-list]').replaceChildren(
      ...[...this.#history].reverse().map((entry) =>
        h(
          'li',
          { value: entry.number },
          h(
            'button',
            {
              type: 'button',
              class: 'pg-history-entry',
              'data-pg-entry': entry.number,
              // The parts are flex items with no spaces between them: said as one phrase, in order.
              'aria-label': `Call ${entry.number}: ${entry.tool}, ${KIND_LABELS[entry.outcome.kind]}, ${new Date(entry.at).toLocaleTimeString()}, ${entry.ms} ms`,
              'aria-current': entry === this.#shown ? 'true' : null,
              onclick: () => {
                this.#editor?.setValue(entry.request);
                this.#show(entry);
                this.#renderHistory();
                // The list was drawn again: focus the same entry's new button, not the page.
                this.#root.querySelector<HTMLElement>(`[data-pg-entry="${entry.number}"]`)?.focus();
              },
            },
            h('span', { class: 'pg-history-tool' }, entry.tool),
            h('span', { class: `pg-history-kind pg-kind-${entry.outcome.kind}` }, KIND_LABELS[entry.outcome.kind]),
            h('span', { class: 'pg-history-time' }, `${new Date(entry.at).toLocaleTimeString()} · ${entry.ms} ms`),
          ),
        ),
      ),
    );
  }

  #chooseSnippet(language: 'curl' | 'typescript'): void {
    this.#snippetLanguage = language;
    for (const tab of this.#all('[data-pg-snippet-tab]')) {
      const selected = tab.dataset.pgSnippetTab === language;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected) this.#el('[data-pg-snippet-panel]').setAttribute('aria-labelledby', tab.id);
    }
    this.#renderSnippet();
  }

  /** The snippet tabs, as a tab list: arrows move between the two, Home and End go to the first and the last. */
  #tabKeys(event: KeyboardEvent): void {
    const moves: Record<string, 'curl' | 'typescript'> = {
      ArrowRight: this.#snippetLanguage === 'curl' ? 'typescript' : 'curl',
      ArrowLeft: this.#snippetLanguage === 'curl' ? 'typescript' : 'curl',
      Home: 'curl',
      End: 'typescript',
    };
    const next = moves[event.key];
    if (!next) return;
    this.#chooseSnippet(next);
    this.#el(`[data-pg-snippet-tab="${next}"]`).focus();
    event.preventDefault();
  }

  #renderSnippet(): void {
    const call = this.#shown?.snippet;
    if (!call) return;
    const reveal = this.#el<HTMLInputElement>('[data-pg-reveal]').checked;
    const text = this.#snippetLanguage === 'curl' ? curlSnippet(call, { revealToken: reveal }) : typescriptSnippet(call, { revealToken: reveal });
    this.#el('[data-pg-snippet]').textContent = text;
  }

  async #copySnippet(): Promise<void> {
    const button = this.#el('[data-pg-copy-snippet]');
    const said = this.#el('[data-pg-copy-said]');
    try {
      await navigator.clipboard.writeText(this.#el('[data-pg-snippet]').textContent ?? '');
      button.textContent = 'Copied';
      said.textContent = `Copied the ${this.#snippetLanguage === 'curl' ? 'curl' : 'TypeScript'} snippet.`;
    } catch {
      button.textContent = 'Select the text to copy';
      said.textContent = 'Could not copy: select the text in the snippet and copy it yourself.';
    }
    setTimeout(() => {
      button.textContent = 'Copy';
      said.textContent = '';
    }, 2000);
  }

  #status(text: string): void {
    this.#el('[data-pg-status]').textContent = text;
  }
  #callStatus(text: string): void {
    this.#el('[data-pg-call-status]').textContent = text;
  }
}

function progressText(update: Progress): string {
  return `${update.progress}${update.total !== undefined ? ` of ${update.total}` : ''}${update.message ? `: ${update.message}` : ''}`;
}

/**
 * What the call status (a polite live region) says when a call ends: the kind of answer in words
 * and a short summary, never the JSON itself.
 */
function summary(outcome: ReadOutcome): string {
  switch (outcome.kind) {
    case 'result': {
      const fields = briefFields(outcome.structured);
      const check = outcome.outputCheck ? ` structuredContent ${outcome.outputCheck.valid ? 'matches' : 'does not match'} its outputSchema.` : '';
      return `Result${fields ? `: ${fields}` : ''}.${check}`;
    }
    case 'tool-error':
      return `Tool error: ${brief(outcome.content.find((block) => typeof block.text === 'string')?.text ?? 'no message')}`;
    case 'jsonrpc-error':
      return `JSON-RPC error ${outcome.code}: ${brief(outcome.message)}`;
    case 'insufficient-scope':
      return `HTTP 403, insufficient scope: the call needs ${outcome.scopes.join(' ')}. A Step up button follows the answer.`;
    case 'unauthorized':
      return 'HTTP 401: the token was refused, no tool ran. Refresh the token or run the flow again.';
    case 'http-error':
      return `${outcome.status === null ? 'No HTTP answer' : `HTTP ${outcome.status}`}: no tool ran.`;
    case 'cancelled':
      return 'Cancelled: the client stopped the call and its answer is ignored.';
    case 'not-sent':
      return `Not sent: ${brief(outcome.problem)}`;
  }
}

/** A text cut to a sentence's length, on one line. */
function brief(text: string, length = 100): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

/** Up to three of structuredContent's plain fields, as "sum 42": enough to hear that it worked. */
function briefFields(structured: Record<string, unknown> | undefined): string {
  const plain = (value: unknown) => ['string', 'number', 'boolean'].includes(typeof value);
  return Object.entries(structured ?? {})
    .filter(([, value]) => plain(value) || (Array.isArray(value) && value.every(plain)))
    .slice(0, 3)
    .map(([key, value]) => `${key} ${brief(Array.isArray(value) ? value.join(' ') : String(value), 40)}`)
    .join(', ');
}

function contentView(content: ContentBlock[]): Node {
  if (content.length === 0) return h('p', {}, 'No content.');
  return h(
    'div',
    { class: 'pg-content' },
    ...content.map((block) => (block.type === 'text' && typeof block.text === 'string' ? h('pre', { tabindex: 0 }, block.text) : h('pre', { tabindex: 0 }, prettyJsonWithInlineArrays(block)))),
  );
}
