import type { CapturedExchange, FlowCheck, FlowFailure } from '../flow/types';
import { h } from './dom';
import { renderFailure } from './inspector';

/**
 * The player's smaller panels: the client's checks, the exchanges no message claimed, and the
 * notice above the stage (a failure, a blocked window, a trace problem). Rendering only.
 */
export function renderChecks(section: HTMLElement, checks: FlowCheck[]): void {
  section.hidden = checks.length === 0;
  section.querySelector('[data-fp-check-list]')!.replaceChildren(
    ...checks.map((check) =>
      h(
        'li',
        { 'data-ok': String(check.ok), 'data-check': check.id },
        h('span', { class: 'fp-check-mark', 'aria-hidden': 'true' }, check.ok ? '✓' : '✗'),
        h('span', {}, h('span', { class: 'visually-hidden' }, check.ok ? 'Passed: ' : 'Failed: '), check.message, ' ', h('a', { href: check.spec.href }, check.spec.label)),
      ),
    ),
  );
}

export function renderUnexpected(section: HTMLElement, exchanges: CapturedExchange[], onSelect: (exchange: CapturedExchange) => void): void {
  section.hidden = exchanges.length === 0;
  const who = (exchange: CapturedExchange) => (exchange.id.startsWith('tool-') ? 'your tool call' : exchange.source === 'page' ? 'this page' : 'the Worker');
  section.querySelector('[data-fp-unexpected-list]')!.replaceChildren(
    ...exchanges.map((exchange) =>
      h(
        'li',
        {},
        h(
          'button',
          { type: 'button', class: 'fp-link-button', 'data-exchange': exchange.id, onclick: () => onSelect(exchange) },
          `${exchange.method} ${new URL(exchange.url).pathname} → ${exchange.status ?? 'no response'}`,
        ),
        h('span', { class: 'fp-hint' }, ` ${who(exchange)}, ${exchange.channel} channel`),
      ),
    ),
  );
}

export function showNotice(notice: HTMLElement, tone: 'error' | 'info', ...content: Node[]): void {
  notice.dataset.tone = tone;
  notice.hidden = false;
  notice.replaceChildren(...content);
}

export function showMessage(notice: HTMLElement, title: string, text: string, actions: HTMLElement[] = [], tone: 'error' | 'info' = 'error'): void {
  showNotice(notice, tone, h('p', { class: 'fp-notice-title' }, title), h('p', {}, text), ...(actions.length ? [h('div', { class: 'fp-notice-actions' }, actions)] : []));
}

export function showFailureNotice(notice: HTMLElement, failure: FlowFailure, inspect: HTMLElement | null): void {
  showNotice(notice, 'error', renderFailure(failure), ...(inspect ? [h('div', { class: 'fp-notice-actions' }, inspect)] : []));
}

export function hideNotice(notice: HTMLElement): void {
  notice.hidden = true;
  notice.replaceChildren();
}
