import { isOnDemandAction, type CapturedExchange, type FlowDiagram, type FlowEvent, type FlowStep, type OnDemandAction, type StepState } from './types';

/**
 * Which exchange lights which message. Pure and deterministic, so a live run and its replay draw
 * the same picture:
 *   - exchanges are taken in time order (a repeated id replaces the earlier version);
 *   - each goes to the first step, in diagram order, that is not done yet and that recognises it
 *     (the arrow's two actors, then channel, method, path, param); with the expected status the step is `done`,
 *     with another it is `error` (and a later exchange may still complete it: a retry);
 *   - an exchange no step recognises is `unexpected`: shown, never dropped;
 *   - an optional step with nothing, before a step that has something, was `skipped`;
 *   - while the run is going, the first remaining required step after the last one reached is `active`;
 *   - with `after`, the steps up to that one happened before this run (a run that goes on from an
 *     authorization kept on another page): they take no exchange and stay `pending`.
 */
export interface Assignment {
  /** Every step's state, by step id. */
  states: Record<string, StepState>;
  /** The exchanges that lit each step, by step id, in order. */
  exchangesOf: Record<string, string[]>;
  /** The step each assigned exchange lit, by exchange id. */
  stepOf: Record<string, string>;
  /** Exchanges that belong to no step of this diagram, in time order. */
  unexpected: CapturedExchange[];
}

/** Time order, then the capturing side's own order; the last version of a repeated id wins. */
export function orderExchanges(exchanges: readonly CapturedExchange[]): CapturedExchange[] {
  const latest = new Map<string, CapturedExchange>();
  for (const exchange of exchanges) latest.set(exchange.id, exchange);
  const sequence = (id: string) => Number(/(\d+)$/.exec(id)?.[1] ?? 0);
  return [...latest.values()].sort(
    (a, b) => a.startedAt - b.startedAt || a.source.localeCompare(b.source) || sequence(a.id) - sequence(b.id),
  );
}

export function assign(diagram: FlowDiagram, exchanges: readonly CapturedExchange[], options: { running?: boolean; after?: string } = {}): Assignment {
  const states: Record<string, StepState> = {};
  const exchangesOf: Record<string, string[]> = {};
  const stepOf: Record<string, string> = {};
  const unexpected: CapturedExchange[] = [];
  for (const step of diagram.steps) {
    states[step.id] = 'pending';
    exchangesOf[step.id] = [];
  }
  const earlier = diagram.steps.findIndex((step) => step.id === options.after);
  const steps = diagram.steps.slice(earlier + 1);
  for (const exchange of orderExchanges(exchanges)) {
    const step = steps.find((candidate) => states[candidate.id] !== 'done' && recognises(candidate, exchange));
    if (!step) {
      unexpected.push(exchange);
      continue;
    }
    states[step.id] = statusMatches(step.match.status, exchange.status) ? 'done' : 'error';
    exchangesOf[step.id].push(exchange.id);
    stepOf[exchange.id] = step.id;
  }
  const reached = diagram.steps.findLastIndex((step) => exchangesOf[step.id].length > 0);
  for (const step of diagram.steps.slice(earlier + 1, Math.max(reached, 0))) {
    if (step.optional && states[step.id] === 'pending') states[step.id] = 'skipped';
  }
  if (options.running) {
    const next = diagram.steps.slice(Math.max(reached, earlier) + 1).find((step) => !step.optional);
    if (next) states[next.id] = 'active';
  }
  return { states, exchangesOf, stepOf, unexpected };
}

/**
 * Is this the kind of exchange the step draws? The same two actors as its arrow (who captured it
 * said who sent it and to whom), then channel, method, path and (if given) parameter. The actors
 * tell apart exchanges the paths alone cannot: the Worker's own /authorize and a provider's, or
 * the authorization server's call to a provider and the MCP server's call to the same URL.
 */
export function recognises(step: Pick<FlowStep, 'match' | 'from' | 'to'>, exchange: CapturedExchange): boolean {
  const matcher = step.match;
  if (step.from !== exchange.from || step.to !== exchange.to) return false;
  if (matcher.channel !== exchange.channel || matcher.method !== exchange.method.toUpperCase()) return false;
  let url: URL;
  try {
    url = new URL(exchange.url);
  } catch {
    return false;
  }
  if (!globMatches(matcher.path, url.pathname)) return false;
  if (!matcher.param) return true;
  const value = requestParameter(exchange, url, matcher.param.name);
  return value !== undefined && globMatches(matcher.param.value, value);
}

/** `200`, `2xx`, `200|302`; no expectation means any answer will do (but no answer at all is an error). */
export function statusMatches(expected: string | undefined, status: number | null): boolean {
  if (status === null) return false;
  if (!expected) return true;
  return expected.split('|').some((one) => (one.endsWith('xx') ? Math.floor(status / 100) === Number(one[0]) : Number(one) === status));
}

/** `*` matches within one path segment, `**` across segments; everything else is literal. */
export function globMatches(pattern: string, text: string): boolean {
  const source = pattern
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(text);
}

/** A query parameter, a form field, or a top-level member of a JSON body (a JSON-RPC `method`). */
function requestParameter(exchange: CapturedExchange, url: URL, name: string): string | undefined {
  const fromQuery = url.searchParams.get(name);
  if (fromQuery !== null) return fromQuery;
  const body = exchange.requestBody?.trim();
  if (!body) return undefined;
  if (body.startsWith('{')) {
    try {
      const value = (JSON.parse(body) as Record<string, unknown>)[name];
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }
  return new URLSearchParams(body).get(name) ?? undefined;
}

/**
 * Which part of a run an exchange belongs to, by when it started: the main flow, or the on-demand
 * action that had begun by then (see `diagramIdFor` for the diagram that draws each part).
 */
export function partOf(events: readonly FlowEvent[], exchange: CapturedExchange): 'main' | OnDemandAction {
  let part: 'main' | OnDemandAction = 'main';
  for (const event of events) {
    if (event.type !== 'action' || event.phase !== 'start' || event.at === undefined || event.at > exchange.startedAt) continue;
    if (isOnDemandAction(event.action)) part = event.action;
  }
  return part;
}
