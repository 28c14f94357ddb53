import type { GrantState, GrantStateError } from '../../server/lab/grant-state';
import { h } from './dom';
import { describeGrantState, LIBRARY_STORAGE_SCHEMA, type FieldView, type RecordView } from './server-state-words';

/**
 * "What the Worker keeps": after a run, the records the Worker holds for this learner's own
 * grant, read from GET /lab/grant-state (server/lab/grant-state.ts) with the run's access token —
 * the token is the proof that the grant is yours — and explained record by record
 * (server-state-words.ts). Markup: components/player/ServerState.astro.
 *
 * Contract for the player that hosts it:
 *
 *   const panel = new ServerStatePanel(root, { accessToken: () => …, serverUrl: () => … });
 *   panel.refresh()   read and show (the panel's own button calls it too)
 *   panel.reset()     forget what is shown (a new run, another option, a revoked token)
 *
 * `accessToken()` is the run's current access token (null before a run: the panel says so),
 * `serverUrl()` the MCP endpoint URL that token is for (the run's `serverUrl`).
 *
 * The root carries `data-state`: idle | loading | shown | error.
 */
export interface ServerStateHost {
  accessToken(): string | null;
  serverUrl(): string;
}

type PanelState = 'idle' | 'loading' | 'shown' | 'error';

export const GRANT_STATE_URL = '/lab/grant-state';

export class ServerStatePanel {
  private readonly button: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly body: HTMLElement;
  private readonly idPrefix: string;
  private readonly recordHeading: 'h4' | 'h5' | 'h6';
  private inFlight: AbortController | null = null;
  /** Bumped by reset(): an answer that arrives for an older generation is dropped. */
  private generation = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: ServerStateHost,
  ) {
    this.button = root.querySelector<HTMLButtonElement>('[data-ss-show]')!;
    this.status = root.querySelector<HTMLElement>('[data-ss-status]')!;
    this.body = root.querySelector<HTMLElement>('[data-ss-body]')!;
    this.idPrefix = root.dataset.idPrefix ?? 'ss';
    const level = Number(root.dataset.recordHeadingLevel);
    this.recordHeading = level === 4 || level === 6 ? `h${level}` : 'h5';
    this.button.addEventListener('click', () => void this.refresh());
    this.setState('idle');
  }

  async refresh(): Promise<void> {
    const token = this.host.accessToken();
    if (!token) {
      this.show([]);
      this.fail('There is no access token yet: run the flow first. The Worker shows a grant only to the holder of one of its tokens.');
      return;
    }
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    const generation = this.generation;
    this.setState('loading');
    this.button.disabled = true;
    this.say('Reading what the Worker keeps…');
    try {
      const url = `${GRANT_STATE_URL}?${new URLSearchParams({ resource: this.host.serverUrl() })}`;
      const response = await fetch(url, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        cache: 'no-store',
        credentials: 'same-origin',
        signal: controller.signal,
      });
      const body = (await response.json().catch(() => null)) as GrantState | GrantStateError | null;
      if (generation !== this.generation) return;
      if (!response.ok || !body || 'error' in body) {
        this.show([]);
        this.fail(refusal(response.status, body && 'error' in body ? body : null));
        return;
      }
      this.render(body);
      this.setState('shown');
      this.say(`Read at ${new Date().toLocaleTimeString()}: ${body.kind === 'grant' ? `the grant and ${body.tokens.length} access token record${body.tokens.length === 1 ? '' : 's'}` : 'no grant stored for this option'}.`);
    } catch (error) {
      if (generation !== this.generation || (error instanceof DOMException && error.name === 'AbortError')) return;
      this.show([]);
      this.fail('Could not reach the Worker to read what it keeps. Check the connection and try again.');
    } finally {
      if (this.inFlight === controller) this.inFlight = null;
      if (generation === this.generation) this.button.disabled = false;
    }
  }

  reset(): void {
    this.generation++;
    this.inFlight?.abort();
    this.inFlight = null;
    this.button.disabled = false;
    this.show([]);
    this.say('');
    this.setState('idle');
  }

  private render(state: GrantState): void {
    const view = describeGrantState(state);
    const records = view.records.map((record, index) => this.recordSection(record, index));
    this.show([
      h('p', { class: 'ss-summary', 'data-ss-summary': true }, view.summary),
      ...records,
      h(
        'p',
        { class: 'ss-more' },
        'Every key the server uses, and how long each lives, is listed in ',
        h('code', {}, 'server/STORAGE.md'),
        ' in the lab’s source; the OAuth library documents its own records in its ',
        h('a', { href: LIBRARY_STORAGE_SCHEMA, rel: 'noopener' }, 'storage schema'),
        '.',
      ),
    ]);
  }

  private recordSection(record: RecordView, index: number): HTMLElement {
    const titleId = `${this.idPrefix}-ss-record-${index}`;
    return h(
      'section',
      { class: 'ss-record', 'data-ss-record': record.id, 'aria-labelledby': titleId },
      h(this.recordHeading, { class: 'ss-record-title', id: titleId }, record.title),
      record.kvKey ? h('p', { class: 'ss-key' }, h('span', { class: 'ss-key-label' }, 'KV key '), h('code', { class: 'ss-mono' }, record.kvKey)) : null,
      h('p', { class: 'ss-explanation' }, record.explanation),
      record.fields.length > 0 ? h('dl', { class: 'ss-fields' }, ...record.fields.flatMap((field) => fieldRow(field))) : null,
    );
  }

  private show(children: Node[]): void {
    this.body.replaceChildren(...children);
    this.body.hidden = children.length === 0;
  }

  private fail(message: string): void {
    this.setState('error');
    this.say(message);
  }

  private say(message: string): void {
    this.status.textContent = message;
  }

  private setState(state: PanelState): void {
    this.root.dataset.state = state;
    this.root.setAttribute('aria-busy', String(state === 'loading'));
  }
}

function fieldRow(field: FieldView): HTMLElement[] {
  const value = field.mono ? h('code', { class: 'ss-mono' }, field.detail) : h('span', {}, field.detail);
  return [
    h('dt', {}, field.term),
    h(
      'dd',
      field.masked ? { 'data-masked': true } : {},
      field.masked ? h('span', { class: 'visually-hidden' }, 'Masked secret: ') : null,
      value,
      field.note ? h('span', { class: 'ss-note' }, ` — ${field.note}`) : null,
    ),
  ];
}

/** Why nothing is shown, from the status and error code (never the server's English). */
export function refusal(status: number, body: GrantStateError | null): string {
  switch (body?.error ?? status) {
    case 'invalid_token':
    case 401:
      return 'The Worker did not accept this access token (revoked, expired, or replaced by a newer one), so it shows nothing: a valid token is the only proof that a grant is yours.';
    case 'invalid_target':
    case 400:
      return 'This endpoint is not one of this Worker’s MCP endpoints, so there is nothing to show for it.';
    case 'forbidden':
    case 403:
      return 'The Worker shows what it keeps only to pages of its own site.';
    case 'temporarily_unavailable':
    case 503:
      return 'The provider could not be reached to check the token. Try again in a moment.';
    default:
      return `The Worker could not say what it keeps (HTTP ${status}). Try again in a moment.`;
  }
}
