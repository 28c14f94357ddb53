import type { CapturedExchange, Transport } from '../flow/types';
import { formField, h } from './dom';
import type { JsonEditor } from './json-editor';
import { latestAccessToken, ToolClient, type ToolCallResult } from './tool-client';
import { currentTheme } from '../lib/theme';
import { prettyJsonWithInlineArrays } from '../lib/json-format';

/**
 * "Try tool calls": a JSON-RPC `tools/call` request in an editor, sent with the run's token. The
 * editor (Monaco) is imported the first time it is opened; until then this costs a few lines.
 */
const EXAMPLES: Record<string, Record<string, unknown>> = {
  add: { a: 2, b: 40 },
  whoami: {},
  countdown: { seconds: 3 },
  save_note: { text: 'Written from the flow player' },
};

export function toolCallRequest(tool: string, id = 1): string {
  const params: Record<string, unknown> = { name: tool, arguments: EXAMPLES[tool] ?? {} };
  // A progress token asks the server for notifications/progress while the tool runs.
  if (tool === 'countdown') params._meta = { progressToken: 'countdown-1' };
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }, null, 2);
}

export interface ToolConsoleHost {
  /** The MCP endpoint the run authorized for. */
  serverUrl(): string;
  transport(): Transport;
  traceId(): string;
  exchanges(): CapturedExchange[];
  record(exchange: CapturedExchange): void;
  explainStepUp(): string;
}

export class ToolConsole {
  readonly #root: HTMLElement;
  readonly #host: ToolConsoleHost;
  #editor: JsonEditor | null = null;
  #loading: Promise<JsonEditor | null> | null = null;
  #client: ToolClient | null = null;
  #nextId = 1;
  #enabled = false;

  constructor(root: HTMLElement, host: ToolConsoleHost) {
    this.#root = root;
    this.#host = host;
    this.#el('[data-fp-open-editor]').addEventListener('click', () => void this.#open());
    this.#el('[data-fp-send]').addEventListener('click', () => void this.#send());
    this.#el('[data-fp-tool]').addEventListener('change', () => this.#editor?.setValue(toolCallRequest(this.#tool(), this.#nextId)));
    new MutationObserver(() => this.#editor?.setTheme(currentTheme() === 'dark')).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  }

  #el<T extends HTMLElement = HTMLElement>(selector: string): T {
    return this.#root.querySelector<T>(selector)!;
  }

  #tool(): string {
    return formField(this.#root, '[data-fp-tool]').value;
  }

  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
    this.#el<HTMLButtonElement>('[data-fp-send]').disabled = !enabled;
  }

  /**
   * The tool only this option's endpoint has (github_profile, oidc_userinfo, token_claims), listed
   * after the shared ones; null for none.
   */
  setOptionTool(tool: { name: string; summary: string } | null): void {
    const select = this.#el('[data-fp-tool]');
    select.querySelector('[data-option-tool]')?.remove();
    if (tool) select.appendChild(h('option', { value: tool.name, 'data-option-tool': '' }, `${tool.name}: ${tool.summary}`));
    if (!select.querySelector(`option[value="${formField(this.#root, '[data-fp-tool]').value}"]`)) formField(this.#root, '[data-fp-tool]').value = 'whoami';
    this.#editor?.setValue(toolCallRequest(this.#tool(), this.#nextId));
  }

  reset(): void {
    this.#client?.close();
    this.#client = null;
    this.#el('[data-fp-tool-result]').replaceChildren();
    this.#el('[data-fp-tool-status]').textContent = '';
  }

  async #open(): Promise<void> {
    const wrap = this.#el('[data-fp-editor-wrap]');
    const toggle = this.#el('[data-fp-open-editor]');
    if (!wrap.hidden) {
      wrap.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
      return;
    }
    wrap.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    const status = this.#el('[data-fp-tool-status]');
    if (!this.#editor) status.textContent = 'Loading the editor…';
    const editor = await this.#load();
    status.textContent = editor ? '' : 'The editor could not be loaded.';
  }

  #load(): Promise<JsonEditor | null> {
    this.#loading ??= import('./json-editor').then(
      ({ createJsonEditor }) => {
        const container = this.#el('[data-fp-editor]');
        this.#editor = createJsonEditor(container, toolCallRequest(this.#tool(), this.#nextId), {
          dark: currentTheme() === 'dark',
          ariaLabel: 'JSON-RPC request to send. Tab leaves the editor.',
        });
        return this.#editor;
      },
      () => null,
    );
    return this.#loading;
  }

  async #send(): Promise<void> {
    if (!this.#enabled || !this.#editor) return;
    const status = this.#el('[data-fp-tool-status]');
    const output = this.#el('[data-fp-tool-result]');
    const send = this.#el<HTMLButtonElement>('[data-fp-send]');
    send.disabled = true;
    status.textContent = 'Sending…';
    this.#client ??= new ToolClient({ serverUrl: this.#host.serverUrl(), transport: this.#host.transport(), traceId: this.#host.traceId(), record: (exchange) => this.#host.record(exchange) });
    try {
      const result = await this.#client.send(this.#editor.getValue(), latestAccessToken(this.#host.exchanges()));
      status.textContent = result.status === null ? 'No response.' : `HTTP ${result.status}`;
      output.replaceChildren(...this.#describe(result));
      this.#nextId++;
    } catch (error) {
      status.textContent = 'Not sent.';
      output.replaceChildren(h('p', { class: 'fp-error-text' }, error instanceof Error ? error.message : String(error)));
    } finally {
      send.disabled = !this.#enabled;
    }
  }

  #describe(result: ToolCallResult): Node[] {
    const parts: Node[] = [];
    if (result.problem) parts.push(h('p', { class: 'fp-error-text' }, result.problem));
    if (result.status === 403 && result.challenge?.error === 'insufficient_scope') {
      parts.push(
        h(
          'div',
          { class: 'fp-failure' },
          h('p', { class: 'fp-failure-title' }, `403 insufficient_scope: this call needs ${result.challenge.scope?.join(' ') ?? 'more scope'}`),
          h('p', {}, this.#host.explainStepUp()),
        ),
      );
    } else if (result.status === 401) {
      parts.push(
        h(
          'div',
          { class: 'fp-failure' },
          h('p', { class: 'fp-failure-title' }, `401${result.challenge?.error ? ` ${result.challenge.error}` : ''}: the token is not accepted`),
          h('p', {}, 'The access token was revoked or has expired. Refresh it, or run the flow again for a new one.'),
        ),
      );
    }
    for (const update of result.progress) {
      parts.push(h('p', { class: 'fp-progress' }, `Progress ${update.progress}${update.total !== undefined ? ` of ${update.total}` : ''}${update.message ? `: ${update.message}` : ''}`));
    }
    if (result.reply !== undefined) {
      parts.push(h('p', { class: 'fp-label' }, 'JSON-RPC response'), h('pre', { tabindex: 0 }, prettyJsonWithInlineArrays(result.reply)));
    } else if (result.exchange.responseBody) {
      parts.push(h('p', { class: 'fp-label' }, 'Response body'), h('pre', { tabindex: 0 }, result.exchange.responseBody));
    }
    return parts;
  }
}
