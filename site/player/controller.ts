import { assign, partOf } from '../flow/assign';
import { AUTH_OPTIONS, serverUrlFor, transportsOf, type AuthOptionId } from '../flow/auth-options';
import { diagramIdFor } from '../flow/diagram';
import { createFlowRun } from '../flow/engine';
import { startTrace, withAttackerTag, type TraceConnection } from '../flow/trace-client';
import { fetchFromForeignPage } from './foreign-page';
import { isOnDemandAction, type ActorId, type CapturedExchange, type FlowCheck, type FlowDiagram, type FlowEvent, type FlowFailure, type FlowRun, type ForeignRequest, type OnDemandAction, type StepState, type ToolCall, type Transport } from '../flow/types';
import { Announcer, stepAnnouncement } from './announce';
import { offeredOptions, type Part } from './diagram-catalog';
import { setActorsLit, setMessageState } from './diagram-svg';
import { h } from './dom';
import { renderFailure, renderInspector, stateWord } from './inspector';
import { hideNotice, renderChecks, renderUnexpected, showFailureNotice, showMessage, showNotice } from './panels';
import { fetchProviders, providerNote, type ProviderInfo } from './provider-note';
import { applyOption, chosenOption, chosenRevision, explainCimd, lockOptions, readConfig } from './run-options';
import type { ProtocolRevision } from '../flow/mcp';
import { statusText, type Phase } from './status-text';
import { afterFirstPaint, renderDiagram, whenNear, type RenderedDiagram } from './render-diagram';
import { PopupBlockedError, SignInWindow } from './sign-in-window';
import { buildBoard, changedSteps, type Board } from './step-board';
import { heldGrantOf, latestGrant } from '../playground/grant';
import { ATTACKS, attackDiagramId, attacksFor, failureCodeOf, type AttackId, type AttackLab } from '../flow/attacks';
import { forgetAuthorization, keepAuthorization, keptAuthorizations, tabStorage, type KeptEntry } from './kept-authorization';
import { ToolPlayground } from '../playground/playground';
import { ServerStatePanel } from './server-state';

/**
 * One player on the page: wires the engine's run (site/flow/engine.ts), the Worker's trace
 * stream (site/flow/trace-client.ts) and the elements FlowPlayer.astro laid out. All state lives
 * here; what the diagram and the list show is derived from it on every change (`#update`),
 * synchronously, so a message lights in the same task that delivered its exchange.
 */
type Selection = { kind: 'step'; id: string } | { kind: 'exchange'; id: string } | null;

interface View {
  diagram: FlowDiagram;
  root: HTMLElement;
  canvas: HTMLElement;
  buttons: Map<string, HTMLButtonElement>;
  drawing: Promise<RenderedDiagram | null> | null;
  drawn: RenderedDiagram | null;
}

/** A lab's title inside a sentence: its first letter in lower case, the rest (DNS, PKCE, SSE) as written. */
const inSentence = (title: string) => title.charAt(0).toLowerCase() + title.slice(1);

const ON_DEMAND_LABELS: Record<OnDemandAction, string> = { refresh: 'Refreshing the token', 'step-up': 'Stepping up to mcp:write', revoke: 'Revoking the grant', attack: 'The attack' };

export class PlayerController {
  readonly #root: HTMLElement;
  readonly #views: Map<string, View>;
  #option: AuthOptionId;
  #transport: Transport;
  #revision: ProtocolRevision;
  /** Which providers the server uses (simulated or real), once it said. */
  #providers: ProviderInfo[] | null = null;
  #part: Part = 'main';
  readonly #announcer: Announcer;
  readonly #signIn = new SignInWindow();
  readonly #tools: ToolPlayground;
  /** What the Worker keeps for this learner's grant (read through the lab layer with the held token). */
  readonly #serverState: ServerStatePanel;

  #phase: Phase = 'idle';
  #run: FlowRun | null = null;
  #trace: TraceConnection | null = null;
  #stopListening: (() => void)[] = [];
  #generation = 0;
  #events: FlowEvent[] = [];
  #exchanges = new Map<string, CapturedExchange>();
  #checks = new Map<FlowCheck['id'], FlowCheck>();
  #failure: { failure: FlowFailure; action: string | null; part: Part } | null = null;
  #currentAction: string | null = null;
  #inFlight = 0;
  #authorized = false;
  #runStartedAt: number | null = null;
  #board: Board | null = null;
  #selection: Selection = null;
  /** While true the inspector follows the latest message; a click of the learner's pins it. */
  #follow = true;
  #reveal = false;
  #onDemand: OnDemandAction | null = null;
  #partsSeen = new Set<Part>(['main']);
  /** The attack lab last started: its diagram draws the 'attack' part. */
  #attack: AttackId | null = null;
  /** When each attack lab of this run started, to draw each exchange on its own lab's diagram. */
  #attackRuns: { at: number; id: AttackId }[] = [];
  /** The authorization kept on another page that this run goes on from, if it does. */
  #resumedFrom: KeptEntry | null = null;

  constructor(root: HTMLElement, diagrams: FlowDiagram[]) {
    this.#root = root;
    this.#views = new Map(
      diagrams.map((diagram) => {
        const viewRoot = root.querySelector<HTMLElement>(`[data-fp-variant="${diagram.id}"]`)!;
        const buttons = new Map([...viewRoot.querySelectorAll<HTMLButtonElement>('.fp-step')].map((button) => [button.dataset.step!, button]));
        const canvas = viewRoot.querySelector<HTMLElement>('[data-fp-canvas]')!;
        return [diagram.id, { diagram, root: viewRoot, canvas, buttons, drawing: null, drawn: null }];
      }),
    );
    const [first] = offeredOptions(diagrams);
    this.#option = first?.option ?? 'worker';
    this.#transport = first?.transport ?? 'streamable-http';
    this.#revision = chosenRevision(root);
    this.#announcer = new Announcer(this.#el('[data-fp-live]'));
    this.#tools = new ToolPlayground(this.#el('[data-playground]'), {
      serverUrl: () => serverUrlFor(location.origin, this.#option, this.#transport),
      transport: () => this.#transport,
      revision: () => this.#revision,
      traceId: () => this.#trace?.traceId ?? '',
      grant: () => this.#heldGrant(),
      record: (exchange) => this.#onExchange(exchange),
      stepUp: (call) => this.#onDemandClick('step-up', call),
    });
    this.#serverState = new ServerStatePanel(this.#el('[data-server-state]'), {
      accessToken: () => this.#heldGrant()?.accessToken ?? null,
      serverUrl: () => serverUrlFor(location.origin, this.#option, this.#transport),
    });
    this.#bind();
    explainCimd(this.#root);
    this.#applyOption();
    this.#showRevision();
    this.#renderKept();
    if (offeredOptions(diagrams).some(({ option }) => option !== 'worker')) {
      void fetchProviders(location.origin).then((providers) => {
        this.#providers = providers;
        this.#renderProvider();
      });
    }
    // The sticky inspector sits below the sticky controls, whose height depends on the status line.
    new ResizeObserver(([entry]) => this.#root.style.setProperty('--fp-controls-height', `${Math.ceil(entry.borderBoxSize[0].blockSize)}px`)).observe(this.#el('.fp-controls'));
    this.#update();
    void afterFirstPaint()
      .then(() => whenNear(this.#view().canvas))
      .then(() => this.#draw(this.#view()));
  }

  // ── setup ──────────────────────────────────────────────────────────────────────────────────

  #el<T extends HTMLElement = HTMLElement>(selector: string): T {
    return this.#root.querySelector<T>(selector)!;
  }

  /** The view on screen: the current option's and transport's diagram for the current part, or the only one. */
  #view(): View {
    const wanted = this.#views.get(this.#partDiagramId(this.#part));
    return wanted ?? this.#views.values().next().value!;
  }

  /** The newest token response of this run; else, going on from a kept authorization, its token. */
  #heldGrant() {
    return latestGrant(this.#exchanges.values()) ?? (this.#resumedFrom ? heldGrantOf(this.#resumedFrom.kept) : null);
  }

  /** The diagram that draws a part of this run: an attack lab's own, or the option's. */
  #partDiagramId(part: Part): string {
    return part === 'attack' && this.#attack ? attackDiagramId(this.#attack) : diagramIdFor(this.#transport, part, this.#option, this.#revision);
  }

  #bind(): void {
    for (const button of this.#root.querySelectorAll<HTMLButtonElement>('[data-fp-action]')) {
      button.addEventListener('click', () => this.#onControl(button.dataset.fpAction as 'run' | 'step' | 'pause' | 'reset'));
    }
    for (const button of this.#root.querySelectorAll<HTMLButtonElement>('[data-fp-extra]')) {
      button.addEventListener('click', () => this.#onDemandClick(button.dataset.fpExtra as OnDemandAction));
    }
    for (const button of this.#root.querySelectorAll<HTMLButtonElement>('[data-fp-part]')) {
      button.addEventListener('click', () => this.#showPart(button.dataset.fpPart as Part));
    }
    for (const view of this.#views.values()) {
      for (const [id, button] of view.buttons) button.addEventListener('click', () => this.#select({ kind: 'step', id }, true));
      view.root.querySelector('[data-fp-steps]')!.addEventListener('keydown', (event) => this.#onListKey(event as KeyboardEvent, view));
      view.canvas.addEventListener('click', (event) => {
        const message = (event.target as Element).closest<SVGGElement>('.flow-message');
        if (message?.dataset.step) this.#select({ kind: 'step', id: message.dataset.step }, false);
      });
    }
    this.#el('[data-fp-inspector]').addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || this.#selection?.kind !== 'step') return;
      this.#view().buttons.get(this.#selection.id)?.focus();
    });
    this.#root.querySelectorAll<HTMLInputElement>('input[name$="-transport"]').forEach((input) =>
      input.addEventListener('change', () => {
        this.#reset();
        this.#transport = input.value as Transport;
        this.#renderAttacks();
        this.#showPart('main');
      }),
    );
    this.#root.querySelectorAll<HTMLInputElement>('input[name$="-revision"]').forEach((input) =>
      input.addEventListener('change', () => {
        this.#reset();
        this.#revision = input.value as ProtocolRevision;
        this.#applyOption(); // 2026-07-28 has no HTTP+SSE: the transport moves to Streamable HTTP
        this.#transport = (this.#root.querySelector<HTMLInputElement>('input[name$="-transport"]:checked')?.value as Transport | undefined) ?? 'streamable-http';
        this.#showPart('main', { force: true });
        this.#showRevision();
        this.#renderKept();
      }),
    );
    this.#root.querySelectorAll<HTMLInputElement>('input[name$="-option"]').forEach((input) =>
      input.addEventListener('change', () => {
        const option = chosenOption(this.#root);
        if (!option) return;
        this.#reset();
        this.#option = option;
        if (!transportsOf(option).includes(this.#transport)) this.#transport = 'streamable-http';
        this.#applyOption();
        this.#showPart('main', { force: true });
      }),
    );
  }

  /** What the chosen option changes around the diagram: the choices it takes, its provider, its own tool, what it can do after the flow. */
  #applyOption(): void {
    const option = AUTH_OPTIONS[this.#option];
    applyOption(this.#root, this.#option);
    this.#renderProvider();
    this.#tools.reset();
    this.#serverState.reset();
    for (const button of this.#root.querySelectorAll<HTMLButtonElement>('[data-fp-extra]')) button.hidden = !option.onDemand.includes(button.dataset.fpExtra as OnDemandAction);
    this.#renderAttacks();
    this.#el('[data-fp-after-intro]').textContent = option.onDemand.includes('refresh')
      ? 'The client holds an access token and a refresh token now. Use them the way a real client would, and watch each request join the trace.'
      : 'The client holds an access token from the provider now, and no refresh token: this provider issues none to a public client, and offers no revocation endpoint, so there is nothing to refresh or revoke. Step up, or call a tool, and watch each request join the trace.';
  }

  /** The header's spec badge says the revision this page's client speaks, and links that revision. */
  #showRevision(): void {
    const badge = document.querySelector<HTMLAnchorElement>('[data-spec-badge]');
    if (!badge) return;
    badge.textContent = `Spec ${this.#revision}`;
    badge.href = `https://modelcontextprotocol.io/specification/${this.#revision}/basic/authorization`;
  }

  #renderProvider(): void {
    const line = this.#el('[data-fp-provider]');
    const note = this.#providers ? providerNote(this.#option, this.#providers) : null;
    line.hidden = note === null;
    if (!note) return;
    line.dataset.tone = note.tone;
    line.replaceChildren(h('strong', {}, note.lead), note.text);
  }

  #draw(view: View): Promise<RenderedDiagram | null> {
    view.drawing ??= renderDiagram(view.canvas, view.diagram).then(
      (drawn) => {
        view.drawn = drawn;
        view.root.dataset.drawn = '';
        if (drawn.arrowCount !== view.diagram.steps.length) {
          view.canvas.insertBefore(h('p', { class: 'fp-panel-note' }, `The drawing has ${drawn.arrowCount} messages but the diagram lists ${view.diagram.steps.length} steps; the step list is authoritative.`), view.canvas.firstChild);
        }
        this.#paint();
        return drawn;
      },
      (error: unknown) => {
        view.canvas.replaceChildren(h('p', { class: 'fp-canvas-placeholder' }, `The diagram could not be drawn (${String(error)}). The step list still follows the run.`));
        return null;
      },
    );
    return view.drawing;
  }

  #showPart(part: Part, { force = false } = {}): void {
    const target = part === 'revoke' ? 'refresh' : part;
    const before = this.#view();
    this.#part = target;
    const after = this.#view();
    if (force) for (const view of this.#views.values()) view.root.hidden = view !== after;
    if (before !== after || force) {
      before.root.hidden = true;
      after.root.hidden = false;
      this.#selection = null;
      this.#follow = true;
      void this.#draw(after);
    }
    for (const button of this.#root.querySelectorAll<HTMLButtonElement>('[data-fp-part]')) {
      button.setAttribute('aria-pressed', String(button.dataset.fpPart === target));
    }
    this.#update({ announce: false });
  }

  // ── controls ───────────────────────────────────────────────────────────────────────────────

  #onControl(action: 'run' | 'step' | 'pause' | 'reset'): void {
    switch (action) {
      case 'run':
        if (this.#phase === 'success' || this.#phase === 'failed' || this.#phase === 'cancelled') this.#reset();
        // Inside the click: the only moment a browser lets a page open a window.
        if (!this.#authorized) this.#signIn.open();
        void this.#drive((run) => run.run());
        return;
      case 'step':
        if (this.#run?.nextAction === 'authorize') this.#signIn.open();
        void this.#drive((run) => run.step());
        return;
      case 'pause':
        this.#run?.pause();
        this.#setStatus('Pausing after the current request…');
        return;
      case 'reset':
        this.#reset();
        this.#el<HTMLButtonElement>('[data-fp-action="run"]').focus();
        return;
    }
  }

  async #drive(drive: (run: FlowRun) => Promise<void>): Promise<void> {
    const run = this.#run ?? (await this.#start());
    if (!run) return;
    if (this.#part !== 'main') this.#showPart('main');
    this.#phase = 'running';
    this.#update();
    await drive(run);
    if (this.#run !== run) return; // reset meanwhile
    if (!run.finished) this.#phase = 'paused';
    this.#update();
  }

  /** Opens the trace first (from then on the Worker records this browser's requests), then creates the run. */
  async #start(): Promise<FlowRun | null> {
    const generation = ++this.#generation;
    this.#phase = 'starting';
    lockOptions(this.#root, true);
    this.#hideNotice();
    this.#update();
    const started = await startTrace(location.origin, (input, init) => fetch(input, init), WebSocket);
    if (generation !== this.#generation) {
      if (started.ok) started.trace.close();
      return null;
    }
    if (started.ok) {
      this.#trace = started.trace;
      this.#stopListening.push(started.trace.on((exchange) => generation === this.#generation && this.#onExchange(exchange)));
      void started.trace.closed.then((reason) => {
        if (generation === this.#generation && reason === 'expired') {
          this.#showNotice('The trace has expired', 'The Worker keeps a trace for a limited time. The player no longer hears what the Worker records: press Reset, then Run, for a fresh one.', [], 'info');
        }
      });
    } else if (started.refused) {
      // The Worker said why (too many traces from this address): explained like a failed step, and the run goes on.
      showNotice(
        this.#el('[data-fp-notice]'),
        'info',
        renderFailure(started.refused),
        h('p', {}, 'The run goes on without a trace, so the sign-in pages and the Worker’s own calls will not appear.'),
      );
    } else {
      this.#showNotice(
        'Only this page’s side is recorded',
        `The Worker did not start a trace (${started.reason}), so the sign-in pages and the Worker’s own calls will not appear. The run still works.`,
        [],
        'info',
      );
    }
    this.#runStartedAt = Date.now();
    const resume = this.#resumedFrom?.kept;
    const config = readConfig(this.#root, this.#option, this.#transport);
    const trace = this.#trace;
    const attackerTag = trace?.attackerTag;
    const run = createFlowRun(resume ? { ...config, registration: resume.registration } : config, {
      fetch: (input, init) => fetch(input, init),
      now: () => Date.now(),
      traceId: trace?.traceId ?? '',
      authorize: (url, signal) => this.#signIn.authorize(url, signal, { onBlocked: (blockedUrl, blockedSignal) => this.#onPopupBlocked(blockedUrl, blockedSignal) }),
      // The Origin attack lab: a sandboxed frame's requests, which the Worker records for this trace by its attacker tag.
      ...(trace && attackerTag && {
        workerRecords: (listener: (exchange: CapturedExchange) => void) => trace.on(listener),
        foreignPage: (url: string, init: ForeignRequest, signal: AbortSignal) => fetchFromForeignPage(withAttackerTag(url, attackerTag), init, signal),
      }),
    }, resume);
    this.#run = run;
    this.#stopListening.push(run.on((event) => generation === this.#generation && this.#onEvent(event)));
    return run;
  }

  #reset(): void {
    this.#generation++;
    this.#stopListening.splice(0).forEach((stop) => stop());
    this.#run?.cancel();
    this.#trace?.close();
    this.#signIn.close();
    this.#run = null;
    this.#trace = null;
    this.#phase = 'idle';
    this.#events = [];
    this.#exchanges.clear();
    this.#checks.clear();
    this.#failure = null;
    this.#currentAction = null;
    this.#inFlight = 0;
    this.#authorized = false;
    this.#runStartedAt = null;
    this.#selection = null;
    this.#follow = true;
    this.#onDemand = null;
    this.#partsSeen = new Set(['main']);
    this.#resumedFrom = null;
    this.#attack = null;
    this.#attackRuns = [];
    lockOptions(this.#root, false);
    this.#hideNotice();
    this.#announcer.clear();
    this.#tools.reset();
    this.#serverState.reset();
    if (this.#part !== 'main') this.#showPart('main');
    this.#update({ announce: false });
    this.#renderKept();
  }

  // ── authorizations kept for the tab's other pages ───────────────────────────────────────────

  /** Offers, before a run, the authorizations this tab kept for an option and transport this player can show. */
  #renderKept(): void {
    const panel = this.#el('[data-fp-kept]');
    const usable =
      this.#phase === 'idle'
        ? keptAuthorizations(tabStorage(), Date.now()).filter(({ option, transport, kept }) => this.#views.has(diagramIdFor(transport, 'main', option, kept.revision)))
        : [];
    panel.hidden = usable.length === 0;
    if (usable.length === 0) return panel.replaceChildren();
    const time = (epochMs: number) => new Date(epochMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    panel.replaceChildren(
      h('p', { class: 'fp-kept-title', id: `${this.#root.id}-kept-title` }, 'You are already authorized in this tab'),
      h(
        'p',
        {},
        'An earlier run on this site got a token. Go on with it to skip discovery, registration and sign-in (they happened there, and stay grey here); or press Run for a new authorization. Kept in this tab’s session storage until you close the tab or revoke it.',
      ),
      h(
        'ul',
        { class: 'fp-kept-list' },
        usable.map((entry) =>
          h(
            'li',
            {},
            h(
              'span',
              {},
              h('strong', {}, `${AUTH_OPTIONS[entry.option].label}, ${entry.transport === 'sse' ? 'legacy SSE' : 'Streamable HTTP'}, ${entry.kept.revision ?? '2025-11-25'}`),
              `: ${entry.kept.tokens.scope || 'no scope named'}, from “${entry.page.title}” at ${time(entry.kept.obtainedAt)}`,
              entry.kept.expiresAt ? `, valid until ${time(entry.kept.expiresAt)}` : '',
              '.',
            ),
            h('button', { type: 'button', class: 'button', 'data-fp-use-kept': `${entry.option} ${entry.transport}`, onclick: () => this.#goOnWith(entry) }, 'Go on with this token'),
          ),
        ),
      ),
    );
  }

  /** Switches to the kept authorization's option and transport, and runs only what is left: connecting with its token. */
  #goOnWith(entry: KeptEntry): void {
    if (this.#phase !== 'idle') this.#reset();
    const optionInput = this.#root.querySelector<HTMLInputElement>(`input[name$="-option"][value="${entry.option}"]`);
    if (optionInput) optionInput.checked = true;
    const revision = entry.kept.revision ?? '2025-11-25';
    const revisionInput = this.#root.querySelector<HTMLInputElement>(`input[name$="-revision"][value="${revision}"]`);
    if (revisionInput) revisionInput.checked = true;
    this.#revision = revision;
    this.#option = entry.option;
    this.#applyOption();
    const transportInput = this.#root.querySelector<HTMLInputElement>(`input[name$="-transport"][value="${entry.transport}"]`);
    if (transportInput) transportInput.checked = true;
    this.#transport = entry.transport;
    this.#showPart('main', { force: true });
    this.#showRevision();
    this.#resumedFrom = entry;
    this.#el('[data-fp-kept]').hidden = true;
    this.#el<HTMLButtonElement>('[data-fp-action="run"]').focus();
    void this.#drive((run) => run.run());
  }

  /** After the run or an on-demand part succeeded: keep what the client holds now (a revoked grant: forget it). */
  #keep(run: FlowRun): void {
    const kept = run.kept();
    if (!kept) return forgetAuthorization(tabStorage(), this.#option, this.#transport, this.#revision);
    // Nothing new since the page it came from: it still came from there.
    const unchanged = this.#resumedFrom && this.#resumedFrom.kept.obtainedAt === kept.obtainedAt;
    const title = document.querySelector('h1')?.textContent?.trim() || document.title;
    keepAuthorization(tabStorage(), {
      option: this.#option,
      transport: this.#transport,
      page: unchanged ? this.#resumedFrom!.page : { title, path: location.pathname },
      kept,
    });
  }

  /** The attack labs this option offers, each with what to predict before running it. */
  #renderAttacks(): void {
    const section = this.#el('[data-fp-attacks]');
    const labs = attacksFor(this.#option, this.#transport).filter((lab) => this.#views.has(attackDiagramId(lab.id)));
    section.hidden = labs.length === 0;
    section.querySelector('[data-fp-attack-list]')!.replaceChildren(
      ...labs.map((lab) =>
        h(
          'li',
          { class: 'fp-attack' },
          h('p', { class: 'fp-attack-title' }, lab.title),
          lab.switchedOff ? h('p', { class: 'fp-attack-demo' }, lab.switchedOff) : null,
          h('p', {}, lab.setup),
          lab.note ? h('p', { class: 'fp-attack-note' }, lab.note) : null,
          h('p', {}, h('strong', {}, 'Predict: '), lab.predict),
          ...this.#attackControl(lab),
        ),
      ),
    );
  }

  /** The lab's Run button; for a lab this origin cannot run, a disabled one and why. */
  #attackControl(lab: AttackLab): HTMLElement[] {
    const unavailable = lab.needsHttps && location.protocol !== 'https:';
    const noteId = `${this.#root.id}-attack-${lab.id}-unavailable`;
    const button = h(
      'button',
      { type: 'button', class: 'button', 'data-fp-attack': lab.id, onclick: () => this.#onDemandClick('attack', undefined, lab.id), disabled: Boolean(unavailable), 'aria-describedby': unavailable ? noteId : null },
      `Run the attack: ${inSentence(lab.title)}`,
    );
    return unavailable ? [button, h('p', { class: 'fp-attack-unavailable', id: noteId, 'data-fp-attack-unavailable': lab.id }, `Not on ${location.origin}: ${lab.needsHttps}`)] : [button];
  }

  /** After an attack lab: the defence that held, the refused request and the spec clause. */
  #explainAttack(id: AttackId): void {
    const lab = ATTACKS[id];
    const at = lab.refusedAt;
    const refused = [...this.#exchanges.values()]
      .filter((exchange) => (at ? exchange.channel === 'front' && exchange.method === at.method && new URL(exchange.url).pathname === at.path : exchange.from === 'attacker'))
      .sort((a, b) => a.startedAt - b.startedAt)
      .at(-1);
    const step = refused && [...(this.#board?.exchangesOf ?? [])].find(([, exchanges]) => exchanges.some((exchange) => exchange.id === refused.id))?.[0];
    // The server's own name for the refusal, where it gives one (e.g. origin-not-allowed).
    const code = refused && failureCodeOf(refused.responseBody);
    const inspect = refused
      ? h('button', { type: 'button', class: 'button', onclick: () => (step ? this.#select({ kind: 'step', id: step }, true) : this.#select({ kind: 'exchange', id: refused.id }, true)) }, `Inspect the ${lab.switchedOff ? 'accepted' : 'refused'} request (${refused.status ?? 'no answer'}${code ? ` ${code}` : ''})`)
      : null;
    const actions: HTMLElement[] = [h('a', { class: 'button', href: lab.spec.href }, lab.spec.label)];
    if (inspect) actions.unshift(inspect);
    const title = lab.switchedOff ? `It got through (isolated demo): ${inSentence(lab.title)}` : `The server refused it: ${inSentence(lab.title)}`;
    this.#showNotice(title, lab.defence, actions, 'info');
  }

  /** Starts an on-demand part on its diagram; false when none can start now. */
  #onDemandClick(action: OnDemandAction, toolCall?: ToolCall, attack?: AttackId): boolean {
    const run = this.#run;
    if (!run || this.#phase !== 'success' || this.#onDemand) return false;
    if (action === 'step-up' && !AUTH_OPTIONS[this.#option].onDemand.includes('step-up')) return false;
    // Inside the click: a step-up, and the labs that send the user's browser somewhere, open the sign-in window.
    if (action === 'step-up' || (attack && ATTACKS[attack].opensWindow)) this.#signIn.open();
    if (attack) {
      this.#attack = attack;
      this.#attackRuns.push({ at: Date.now(), id: attack });
    }
    this.#onDemand = action;
    this.#failure = null;
    this.#hideNotice();
    this.#partsSeen.add(action === 'revoke' ? 'refresh' : action);
    // Another attack lab is the same part on another diagram: swap the view whatever was shown.
    this.#showPart(action, { force: action === 'attack' });
    void run.perform(action, { toolCall, attack }).then((outcome) => {
      if (this.#run !== run) return;
      this.#onDemand = null;
      this.#signIn.close();
      if (outcome === 'success' && action !== 'attack') this.#keep(run);
      this.#update();
      if (action === 'attack' && attack) {
        if (outcome === 'success') this.#explainAttack(attack);
        this.#announcer.say(outcome === 'success' ? `The server refused the attack: ${ATTACKS[attack].title}.` : `The attack was not refused as expected: ${ATTACKS[attack].title}.`);
        return;
      }
      this.#announcer.say(`${ON_DEMAND_LABELS[action]}: ${outcome === 'success' ? 'done' : 'failed'}`);
    });
    return true;
  }

  // ── events ─────────────────────────────────────────────────────────────────────────────────

  #onEvent(event: FlowEvent): void {
    this.#events.push(event);
    switch (event.type) {
      case 'action':
        this.#inFlight += event.phase === 'start' ? 1 : -1;
        if (event.phase === 'start') this.#currentAction = event.action;
        if (event.action === 'authorize' && event.phase === 'end') this.#authorized = true;
        break;
      case 'exchange':
        this.#announceCapture(event.exchange);
        this.#exchanges.set(event.exchange.id, event.exchange);
        break;
      case 'check':
        this.#checks.set(event.check.id, event.check);
        break;
      case 'failure': {
        const action = this.#currentAction;
        this.#failure = { failure: event.failure, action, part: action && isOnDemandAction(action) ? (action === 'revoke' ? 'refresh' : action) : this.#onDemand ?? 'main' };
        this.#follow = true;
        break;
      }
      case 'finished':
        this.#phase = event.outcome;
        this.#signIn.close();
        lockOptions(this.#root, false);
        if (event.outcome === 'success' && this.#run) this.#keep(this.#run);
        // A kept token that no longer works is not worth offering again.
        if (event.outcome === 'failed' && this.#resumedFrom) forgetAuthorization(tabStorage(), this.#resumedFrom.option, this.#resumedFrom.transport, this.#resumedFrom.kept.revision);
        break;
    }
    this.#update();
    if (event.type === 'failure') this.#showFailure(event.failure);
  }

  #onExchange(exchange: CapturedExchange): void {
    this.#announceCapture(exchange);
    this.#exchanges.set(exchange.id, exchange);
    this.#update();
  }

  /**
   * `flowplayer:exchange` on the player's element, the moment an exchange reaches the player (from
   * the engine or the trace stream), before the diagram is updated in the same task: lets tools
   * (npm run bench) time how long a message takes to light.
   */
  #announceCapture(exchange: CapturedExchange): void {
    this.#root.dispatchEvent(new CustomEvent('flowplayer:exchange', { detail: { id: exchange.id, source: exchange.source, at: performance.now() } }));
  }

  #onPopupBlocked(url: URL, signal: AbortSignal): Promise<void> {
    return new Promise((_resolve, reject) => {
      const link = h('a', { class: 'button primary', href: url.href, target: '_blank' }, 'Open the sign-in page in a new tab');
      const giveUp = h('button', { type: 'button', class: 'button', onclick: () => reject(new PopupBlockedError(url)) }, 'Give up');
      this.#showNotice(
        'Your browser blocked the sign-in window',
        'The authorization request is ready, but the browser stopped the window it goes to. Browsers allow a pop-up only during a click, so a client opens the window in the click and fills it in later, as this player does; a blocker can still say no. Open the sign-in page yourself: the lab hears back from it either way.',
        [link, giveUp],
        'info',
      );
      signal.addEventListener('abort', () => this.#hideNotice(), { once: true });
    });
  }

  // ── derived state → DOM ────────────────────────────────────────────────────────────────────

  /** Which diagram an exchange is drawn on: its part of the run (tool calls from the editor: the main flow). */
  #diagramOf(exchange: CapturedExchange): string {
    const part = exchange.id.startsWith('tool-') ? 'main' : partOf(this.#events, exchange);
    if (part === 'attack') {
      // Each attack lab has its own diagram: an exchange belongs to the lab that had started by then.
      const lab = this.#attackRuns.findLast((run) => run.at <= exchange.startedAt) ?? this.#attackRuns[0];
      if (lab) return attackDiagramId(lab.id);
    }
    return this.#partDiagramId(part);
  }

  #update(options: { announce?: boolean } = {}): void {
    const view = this.#view();
    const diagram = view.diagram;
    const mine = new Map([...this.#exchanges].filter(([, exchange]) => this.#views.size === 1 || this.#diagramOf(exchange) === diagram.id));
    const shownPart = this.#part;
    const failure = this.#failure && this.#failure.part === shownPart ? this.#failure : null;
    const running = this.#inFlight > 0 && (this.#onDemand ? this.#onDemand === shownPart || (this.#onDemand === 'revoke' && shownPart === 'refresh') : shownPart === 'main');
    const outcome = running ? 'running' : failure ? 'failed' : shownPart === 'main' ? (this.#phase === 'starting' || this.#phase === 'idle' ? null : this.#phase) : 'paused';
    // Going on from a kept authorization: the main flow up to the token happened on another page.
    const after = this.#resumedFrom && shownPart === 'main' ? 'token' : undefined;
    const before = this.#board?.states ?? new Map<string, StepState>();
    const board = buildBoard({
      after,
      diagram,
      assignment: assign(diagram, [...mine.values()], { running, after }),
      exchanges: mine,
      outcome,
      failure: failure?.failure ?? null,
      failedAction: failure?.action ?? null,
    });
    const sameDiagram = this.#board !== null && [...before.keys()].every((id) => board.states.has(id)) && before.size === board.states.size;
    this.#board = board;
    const changed = sameDiagram ? changedSteps(diagram.steps, before, board.states) : [];
    if (options.announce !== false) {
      for (const step of changed) this.#announcer.say(stepAnnouncement(step, board.states.get(step.id)!, diagram.steps.length));
    }
    if (this.#follow) {
      const lit = [...changed].reverse().find((step) => ['done', 'error', 'active'].includes(board.states.get(step.id)!));
      if (board.failedStepId) this.#selection = { kind: 'step', id: board.failedStepId };
      else if (lit) this.#selection = { kind: 'step', id: lit.id };
    }
    this.#paint();
    this.#renderInspector();
    this.#renderChecks();
    this.#renderUnexpected();
    this.#renderControls();
  }

  /** States onto the SVG and the list; cheap enough for every event. */
  #paint(): void {
    const view = this.#view();
    const states = this.#board?.states;
    const selected = this.#selection?.kind === 'step' ? this.#selection.id : null;
    // The boxes of the message in focus light up with it: the provider's, when its pages or the Worker's calls to it are.
    const focused = view.diagram.steps.find((step) => step.id === selected && states?.get(step.id) !== 'pending');
    if (view.drawn) setActorsLit(view.drawn.actors, new Set<ActorId>(focused ? [focused.from, focused.to] : []));
    for (const step of view.diagram.steps) {
      const state = states?.get(step.id) ?? 'pending';
      setMessageState(view.drawn?.messages.get(step.id), state, step.id === selected);
      const button = view.buttons.get(step.id);
      if (!button) continue;
      if (button.dataset.state !== state) {
        button.dataset.state = state;
        button.querySelector('[data-state-text]')!.textContent = stateWord(state).toLowerCase();
      }
      // When the step's (first) exchange started: lets tests and tools check the order of events.
      const first = this.#board?.exchangesOf.get(step.id)?.[0];
      if (first) button.dataset.at = String(first.startedAt);
      else delete button.dataset.at;
      if (step.id === selected) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
  }

  #select(selection: Selection, fromList: boolean): void {
    this.#selection = selection;
    this.#follow = false;
    this.#paint();
    this.#renderInspector();
    const inspector = this.#el('[data-fp-inspector]');
    // From the list (keyboard, screen reader, phone): go where the content is. A click on the picture keeps its place.
    if (fromList) inspector.querySelector<HTMLElement>('.fp-panel-title')!.focus({ preventScroll: true });
    if (getComputedStyle(inspector).position !== 'sticky') inspector.scrollIntoView({ block: 'nearest', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  }

  #renderInspector(): void {
    const panel = this.#el('[data-fp-inspector]');
    const selection = this.#selection;
    const heading = panel.querySelector<HTMLElement>('.fp-panel-title')!;
    if (!selection || !this.#board) {
      heading.textContent = 'Inspector';
      panel.replaceChildren(
        heading,
        h('p', { class: 'fp-empty' }, 'Select a message on the diagram, or a step in the list, to see the real request and response behind it, and what each part is for.'),
      );
      return;
    }
    const diagram = this.#view().diagram;
    const actors = new Map(diagram.actors.map((actor) => [actor.id as string, actor.label]));
    const common = {
      stepCount: diagram.steps.length,
      actorLabel: (id: string) => actors.get(id) ?? id,
      reveal: this.#reveal,
      onToggleReveal: () => {
        this.#reveal = !this.#reveal;
        this.#renderInspector();
        panel.querySelector<HTMLElement>('.fp-reveal button')?.focus();
      },
      runStartedAt: this.#runStartedAt,
    };
    const failure = this.#failure && this.#failure.part === this.#part ? this.#failure.failure : null;
    if (selection.kind === 'exchange') {
      const exchange = this.#exchanges.get(selection.id);
      renderInspector(panel, { ...common, step: null, state: null, exchanges: exchange ? [exchange] : [], failure: failure?.exchangeId === selection.id ? failure : undefined });
      return;
    }
    const step = diagram.steps.find((candidate) => candidate.id === selection.id);
    if (!step) return;
    renderInspector(panel, {
      ...common,
      step,
      state: this.#board.states.get(step.id) ?? 'pending',
      exchanges: this.#board.exchangesOf.get(step.id) ?? [],
      failure: failure && this.#board.failedStepId === step.id ? failure : undefined,
    });
  }

  #renderChecks(): void {
    renderChecks(this.#el('[data-fp-checks]'), [...this.#checks.values()]);
  }

  #renderUnexpected(): void {
    renderUnexpected(this.#el('[data-fp-unexpected]'), this.#board?.unexpected ?? [], (exchange) => this.#select({ kind: 'exchange', id: exchange.id }, true));
  }

  #renderControls(): void {
    const phase = this.#phase;
    const busy = phase === 'starting' || phase === 'running' || this.#onDemand !== null;
    const over = phase === 'success' || phase === 'failed' || phase === 'cancelled';
    const set = (action: string, disabled: boolean, label?: string) => {
      const button = this.#el<HTMLButtonElement>(`[data-fp-action="${action}"]`);
      button.disabled = disabled;
      if (label && button.lastChild!.textContent!.trim() !== label) button.lastChild!.textContent = ` ${label}`;
    };
    set('run', busy, over ? 'Run again' : phase === 'paused' ? 'Continue' : 'Run');
    set('step', busy || over);
    set('pause', phase !== 'running' || this.#onDemand !== null);
    set('reset', phase === 'idle');
    this.#root.dataset.phase = phase;

    const parts = this.#el('[data-fp-parts]');
    parts.hidden = this.#partsSeen.size < 2;
    for (const button of parts.querySelectorAll<HTMLButtonElement>('[data-fp-part]')) button.hidden = !this.#partsSeen.has(button.dataset.fpPart as Part);

    const after = this.#el('[data-fp-after]');
    after.hidden = phase !== 'success';
    for (const button of after.querySelectorAll<HTMLButtonElement>('[data-fp-extra]')) button.disabled = this.#onDemand !== null;
    this.#tools.setEnabled(phase === 'success' && this.#onDemand === null);
    this.#setStatus(
      statusText({
        phase,
        onDemand: this.#onDemand,
        currentAction: this.#currentAction,
        nextAction: this.#run?.nextAction ?? null,
        steps: this.#view().diagram.steps,
        states: this.#board?.states,
        inWindow: AUTH_OPTIONS[this.#option].inWindow,
        resumedFrom: this.#resumedFrom?.page.title,
      }),
    );
  }

  #setStatus(text: string): void {
    const status = this.#el('[data-fp-status]');
    // The server-rendered first line has emphasis; keep it while the words are the same.
    if (status.textContent!.replace(/\s+/g, ' ').trim() !== text) status.textContent = text;
  }

  // ── notices ────────────────────────────────────────────────────────────────────────────────

  #showFailure(failure: FlowFailure): void {
    const stepId = this.#board?.failedStepId;
    const step = stepId ? this.#view().diagram.steps.find((candidate) => candidate.id === stepId) : undefined;
    const inspect = step
      ? h('button', { type: 'button', class: 'button', onclick: () => this.#select({ kind: 'step', id: step.id }, true) }, `Inspect step ${step.index + 1}: ${step.label}`)
      : null;
    showFailureNotice(this.#el('[data-fp-notice]'), failure, inspect);
  }

  #showNotice(title: string, text: string, actions: HTMLElement[] = [], tone: 'error' | 'info' = 'error'): void {
    showMessage(this.#el('[data-fp-notice]'), title, text, actions, tone);
  }

  #hideNotice(): void {
    hideNotice(this.#el('[data-fp-notice]'));
  }

  // ── keyboard ───────────────────────────────────────────────────────────────────────────────

  /** Up and Down (and Home, End) move between steps, as in any list of options. */
  #onListKey(event: KeyboardEvent, view: View): void {
    const buttons = [...view.buttons.values()];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const target = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, target))].focus();
  }
}
