import { statusMatches } from '../flow/assign';
import type { CapturedExchange, FlowFailure, FlowStep, StepState } from '../flow/types';
import { clockTime, h } from './dom';
import { headerValue, pathAndQuery, readableBody, reasonPhrase, requestHead, responseHead } from './http-text';
import { findJwts, TIME_CLAIMS, type DecodedJwt } from './jwt';
import { describeRedaction, maskedForDisplay, splitRedactions } from './mask';

/**
 * The inspector: what is behind one message of the diagram (or one exchange no message claimed).
 * Pure rendering from data to DOM; the controller decides what is shown and keeps the state.
 */
export interface InspectorContent {
  /** Null for an exchange that matched no step. */
  step: FlowStep | null;
  state: StepState | null;
  stepCount: number;
  actorLabel(id: string): string;
  exchanges: CapturedExchange[];
  failure?: FlowFailure;
  /** Show the page's own secrets unmasked. */
  reveal: boolean;
  onToggleReveal(): void;
  /** When the run started, for "+312 ms" offsets. */
  runStartedAt: number | null;
}

const STATE_WORDS: Record<StepState, string> = {
  pending: 'Pending',
  active: 'In progress',
  done: 'Done',
  error: 'Failed',
  skipped: 'Skipped',
};

export const stateWord = (state: StepState) => STATE_WORDS[state];

export function renderInspector(panel: HTMLElement, content: InspectorContent): void {
  const heading = panel.querySelector<HTMLElement>('.fp-panel-title')!;
  const { step } = content;
  heading.textContent = step ? step.label : 'Not on the diagram';
  const parts: Node[] = [];
  if (step && content.state) {
    parts.push(
      h(
        'p',
        { class: 'fp-kicker' },
        h('span', { class: 'fp-pill', 'data-state': content.state }, stateWord(content.state)),
        ` Step ${step.index + 1} of ${content.stepCount} · ${content.actorLabel(step.from)} → ${content.actorLabel(step.to)}`,
        step.optional ? ' · optional' : null,
      ),
      h('p', { class: 'fp-why' }, step.why),
    );
    if (step.spec) parts.push(h('p', { class: 'fp-spec' }, h('a', { href: step.spec.href }, step.spec.label, ' ↗')));
  } else {
    parts.push(
      h(
        'p',
        { class: 'fp-why' },
        'This exchange happened during the run but matches no message of the diagram. It is listed rather than hidden: every request of the run is shown.',
      ),
    );
  }
  if (content.failure) parts.push(renderFailure(content.failure));
  if (content.exchanges.length === 0) parts.push(h('p', { class: 'fp-empty' }, emptyText(content.state)));
  // The toggle is offered only where this page's own secrets are in view.
  const hasPageSecrets = content.exchanges.some((exchange) => exchange.source === 'page' && maskedForDisplay(exchange).masked.length > 0);
  if (hasPageSecrets) {
    parts.push(
      h(
        'div',
        { class: 'fp-reveal' },
        h(
          'button',
          { type: 'button', class: 'fp-link-button', 'aria-pressed': String(content.reveal), onclick: content.onToggleReveal },
          'Reveal this page’s secrets',
        ),
        h('span', { class: 'fp-hint' }, 'Tokens and the PKCE verifier this page holds are masked unless you reveal them.'),
      ),
    );
  }
  for (const exchange of content.exchanges) parts.push(renderExchange(exchange, content));
  panel.replaceChildren(heading, ...parts);
}

function emptyText(state: StepState | null): string {
  if (state === 'skipped') return 'This optional step did not happen in this run, so there is nothing to show.';
  if (state === 'error') return 'No exchange was captured for this step: the run stopped here before a response came.';
  return 'Nothing captured yet. This message lights up when the client (or the Worker) makes this request; then its real request and response appear here.';
}

export function renderFailure(failure: FlowFailure): HTMLElement {
  const references = [...(failure.spec ? [failure.spec] : []), ...(failure.seeAlso ?? [])];
  return h(
    'div',
    { class: 'fp-failure', role: 'group', 'aria-label': 'What went wrong' },
    h('p', { class: 'fp-failure-title' }, failure.title),
    failure.serverSaid ? [h('p', { class: 'fp-label' }, 'What the server said, verbatim'), h('pre', { class: 'fp-said' }, failure.serverSaid)] : null,
    h(
      'dl',
      {},
      h('dt', {}, 'Likely cause'),
      h('dd', {}, failure.cause),
      h('dt', {}, 'The fix'),
      h('dd', {}, failure.fix),
      // The server's Retry-After, as a time on the learner's clock.
      failure.retryAt !== undefined
        ? [h('dt', {}, 'When to try again'), h('dd', { 'data-retry-at': failure.retryAt }, 'After ', h('time', { datetime: new Date(failure.retryAt).toISOString() }, clockTime(failure.retryAt).slice(0, 8)), '.')]
        : null,
    ),
    references.length > 0 ? h('p', { class: 'fp-spec' }, references.map((reference, index) => [index > 0 ? ' · ' : null, h('a', { href: reference.href }, reference.label, ' ↗')]).flat()) : null,
  );
}

const CHANNEL_WORDS = { api: 'the page’s own fetch', front: 'a browser navigation', back: 'the Worker’s own outgoing call' } as const;

/** What kind of request it was; a fetch the Worker recorded is the Origin lab's page of another origin, which this page cannot see. */
const channelWords = (exchange: CapturedExchange) =>
  exchange.channel === 'api' && exchange.source === 'worker' ? 'a fetch by a page of another origin, which this page cannot see' : CHANNEL_WORDS[exchange.channel];

/** Coloured by what the step expects: a 401 is the right answer to the first request. */
function statusClass(status: number | null, expected: boolean): string {
  if (status === null) return 'fp-status-none';
  return expected ? 'fp-status-expected' : `fp-status-${Math.floor(status / 100)}xx`;
}

function shortUrl(url: string): string {
  return new URL(url).origin === location.origin ? pathAndQuery(url) : url;
}

function renderExchange(original: CapturedExchange, content: InspectorContent): HTMLElement {
  const expected = content.step !== null && statusMatches(content.step.match.status, original.status);
  const { exchange, masked } = content.reveal ? { exchange: original, masked: [] } : maskedForDisplay(original);
  const duration = Math.max(0, exchange.endedAt - exchange.startedAt);
  const offset = content.runStartedAt !== null ? ` (+${Math.max(0, exchange.startedAt - content.runStartedAt)} ms)` : '';
  const by = exchange.source;
  const who = by === 'page' ? 'Captured by this page' : 'Captured by the Worker';
  const requestBody = readableBody(exchange.requestBody, headerValue(exchange.requestHeaders, 'content-type'));
  const responseBody = readableBody(exchange.responseBody, headerValue(exchange.responseHeaders, 'content-type'));
  const jwts = [exchange.url, ...original.requestHeaders.map(([, v]) => v), original.requestBody, ...original.responseHeaders.map(([, v]) => v), original.responseBody].flatMap(
    (text) => findJwts(text),
  );
  const uniqueJwts = [...new Map(jwts.map((jwt) => [jwt.token, jwt])).values()];

  return h(
    'article',
    { class: 'fp-exchange', 'data-exchange': exchange.id },
    h(
      'header',
      { class: 'fp-exchange-head' },
      h('p', { class: 'fp-request-line' }, h('span', { class: 'fp-method' }, exchange.method), ' ', h('code', { class: 'fp-url' }, withRedactions(shortUrl(exchange.url), by))),
      h(
        'p',
        { class: 'fp-response-line' },
        h(
          'span',
          { class: `fp-http-status ${statusClass(exchange.status, expected)}` },
          exchange.status === null ? 'No response' : `${exchange.status} ${reasonPhrase(exchange.status)}`.trim(),
          expected && exchange.status !== null && exchange.status >= 400 ? h('span', { class: 'fp-hint' }, ' · the expected answer here') : null,
        ),
        h('span', { class: 'fp-timing' }, `${clockTime(exchange.startedAt)}${offset} · ${duration} ms`),
      ),
      h('p', { class: 'fp-meta' }, `${who}: ${channelWords(exchange)}, ${content.actorLabel(exchange.from)} → ${content.actorLabel(exchange.to)}.`),
    ),
    exchange.error ? h('p', { class: 'fp-error-text' }, `No response: ${exchange.error}`) : null,
    section('Request', requestHead(exchange), exchange.requestBody, requestBody, by),
    exchange.status !== null ? section('Response', responseHead(exchange), exchange.responseBody, responseBody, by) : null,
    uniqueJwts.map(renderJwt),
    renderRedactionNote(original, masked),
  );
}

function section(title: string, head: string, rawBody: string | null, body: ReturnType<typeof readableBody>, by: 'worker' | 'page'): HTMLElement {
  return h(
    'section',
    { class: 'fp-message', 'data-part': title.toLowerCase() },
    h('h4', { class: 'fp-label' }, title),
    h('pre', { class: 'fp-raw', tabindex: 0 }, withRedactions(head, by)),
    body
      ? [
          h('p', { class: 'fp-label fp-body-label' }, `Body${body.kind === 'json' ? ' (JSON, indented)' : body.kind === 'form' ? ' (form, decoded)' : body.kind === 'event-stream' ? ' (event stream)' : ''}`),
          h('pre', { class: `fp-body fp-body-${body.kind}`, tabindex: 0 }, withRedactions(body.text, by)),
          rawBody !== null && body.text !== rawBody
            ? h('details', { class: 'fp-raw-body' }, h('summary', {}, 'Raw body'), h('pre', { class: 'fp-raw', tabindex: 0 }, withRedactions(rawBody, by)))
            : null,
        ]
      : null,
  );
}

/**
 * Text with each redaction marker drawn as a mark that says who hid it: the Worker (for good), or
 * this page (its own secret, masked until the learner reveals it).
 */
function withRedactions(text: string, by: 'worker' | 'page'): Node[] {
  return splitRedactions(text).map((part) =>
    'text' in part
      ? document.createTextNode(part.text)
      : by === 'worker'
        ? h('mark', { class: 'fp-redacted', title: `The Worker hid this ${part.redacted} (${part.length} characters) before it left the server.` }, `[redacted ${part.redacted}, ${part.length} chars]`)
        : h('mark', { class: 'fp-masked', title: `This page’s own ${part.redacted} (${part.length} characters), masked: Reveal shows it.` }, `[masked ${part.redacted}, ${part.length} chars]`),
  );
}

function renderRedactionNote(exchange: CapturedExchange, masked: string[]): HTMLElement | null {
  const notes: HTMLElement[] = [];
  if (exchange.redacted.length > 0) {
    notes.push(
      h(
        'p',
        {},
        h('strong', {}, 'The Worker hid this before it left the server: '),
        exchange.redacted.map(describeRedaction).join('; '),
        '. The real values never reached this page, so there is nothing to reveal. The length tells you a value was there.',
      ),
    );
  }
  if (masked.length > 0) {
    notes.push(
      h(
        'p',
        {},
        h('strong', {}, 'Masked on this page: '),
        masked.map(describeRedaction).join('; '),
        '. These are this page’s own secrets; Reveal shows them.',
      ),
    );
  }
  return notes.length ? h('div', { class: 'fp-redaction-note' }, notes) : null;
}

function claimValue(name: string, value: unknown): string {
  const json = JSON.stringify(value);
  return TIME_CLAIMS.has(name) && typeof value === 'number' ? `${json}  (${new Date(value * 1000).toISOString()})` : json;
}

function renderJwt(jwt: DecodedJwt): HTMLElement {
  const lines = (object: Record<string, unknown>) => Object.entries(object).map(([name, value]) => `${JSON.stringify(name)}: ${claimValue(name, value)}`).join(',\n  ');
  return h(
    'details',
    { class: 'fp-jwt', open: true },
    h('summary', {}, 'A JWT, decoded ', h('span', { class: 'fp-hint' }, '(signature not verified here)')),
    h('p', { class: 'fp-label' }, 'Header'),
    h('pre', { class: 'fp-body', tabindex: 0 }, `{\n  ${lines(jwt.header)}\n}`),
    h('p', { class: 'fp-label' }, 'Payload'),
    h('pre', { class: 'fp-body', tabindex: 0 }, `{\n  ${lines(jwt.payload)}\n}`),
  );
}
