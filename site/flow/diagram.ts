import { AUTH_OPTIONS, STATELESS_SUFFIX, type AuthOptionId } from './auth-options';
import { PROTOCOL_VERSION, STATELESS_REVISION, type ProtocolRevision } from './mcp';
import type { ActorId, Channel, ExchangeMatcher, FlowDiagram, FlowStep, OnDemandAction, Transport } from './types';

/**
 * Reads a diagram: a Mermaid `sequenceDiagram` whose messages are annotated by Mermaid comments
 * on the lines above them, so the picture and its step map live in one file and cannot drift:
 *
 *   %% step: token  match: api POST /oauth/token grant_type=authorization_code -> 200  spec: RFC 6749 §4.1.3 https://…
 *   %% why: Two or three sentences in plain words. (Several `why:` lines are joined.)
 *   Client->>AS: POST /oauth/token (code + code_verifier + resource)
 *
 * `step:` takes an id and, optionally, the flag `optional`. `match:` is
 * `<channel> <METHOD> <path> [name=value] [-> status]` (see ExchangeMatcher). Participants are
 * declared with the actor ids in any case: Browser, Client, MCP, AS, Upstream. Every problem is
 * reported at once, with its line number.
 */
const ACTORS: readonly ActorId[] = ['browser', 'client', 'mcp', 'as', 'upstream', 'attacker'];
const CHANNELS: readonly Channel[] = ['api', 'front', 'back'];
const MESSAGE = /^([A-Za-z][\w]*)\s*(?:<<)?--?(?:>>|>|x|\))\s*[+-]?\s*([A-Za-z][\w]*)\s*:(.*)$/;
const PARTICIPANT = /^(?:participant|actor)\s+([A-Za-z][\w]*)(?:\s+as\s+(.+))?$/i;
const FIELD = /\b(step|match|spec):/g;

export class DiagramError extends Error {
  readonly diagramId: string;
  readonly problems: string[];
  constructor(diagramId: string, problems: string[]) {
    super(`diagrams/${diagramId}.mmd:\n  ${problems.join('\n  ')}`);
    this.diagramId = diagramId;
    this.problems = problems;
  }
}

interface Annotation {
  line: number;
  id?: string;
  optional: boolean;
  match?: string;
  spec?: string;
  why: string[];
}

export function parseDiagram(id: string, source: string): FlowDiagram {
  const problems: string[] = [];
  const actors: FlowDiagram['actors'] = [];
  const steps: FlowStep[] = [];
  let title = id;
  let annotation: Annotation | null = null;

  source.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const at = `line ${index + 1}`;
    if (line.startsWith('%%')) {
      const fields = commentFields(line.slice(2));
      if (fields.step !== undefined) {
        if (annotation) problems.push(`${at}: a new step starts before step "${annotation.id}" (line ${annotation.line}) has its message`);
        const [stepId, ...flags] = fields.step.split(/\s+/);
        annotation = { line: index + 1, id: stepId || undefined, optional: flags.includes('optional'), match: fields.match, spec: fields.spec, why: [] };
        if (flags.some((flag) => flag !== 'optional')) problems.push(`${at}: unknown flag in "step: ${fields.step}" (only "optional")`);
      }
      if (fields.why !== undefined) {
        if (annotation) annotation.why.push(fields.why);
        else problems.push(`${at}: "why:" outside a step annotation`);
      }
      return;
    }
    const participant = PARTICIPANT.exec(line);
    if (participant) {
      const actor = actorOf(participant[1]);
      // A label may break lines in the picture (<br/>); in words it is one line.
      if (actor) actors.push({ id: actor, label: (participant[2] ?? participant[1]).replace(/<br\s*\/?>/gi, ' ').replace(/\s+/g, ' ').trim() });
      else problems.push(`${at}: unknown actor "${participant[1]}" (use ${ACTORS.join(', ')})`);
      return;
    }
    if (/^title\s/.test(line)) {
      title = line.slice(6).trim();
      return;
    }
    const message = MESSAGE.exec(line);
    if (!message) return;
    const [, fromName, toName, label] = message;
    const from = actorOf(fromName);
    const to = actorOf(toName);
    for (const [name, actor] of [[fromName, from], [toName, to]] as const) {
      if (!actor || !actors.some((declared) => declared.id === actor)) problems.push(`${at}: "${name}" is not a declared participant`);
    }
    const note: Annotation | null = annotation;
    annotation = null;
    if (!note) return void problems.push(`${at}: message "${label.trim()}" has no "%% step:" annotation above it`);
    const step = stepOf(note, steps.length, label.trim(), problems);
    if (step && from && to) {
      if (steps.some((other) => other.id === step.id)) problems.push(`line ${note.line}: duplicate step id "${step.id}"`);
      steps.push({ ...step, from, to });
    }
  });
  const dangling = annotation as Annotation | null;
  if (dangling) problems.push(`line ${dangling.line}: step "${dangling.id}" is not followed by a message`);
  if (!/^\s*sequenceDiagram\b/m.test(source)) problems.push('not a Mermaid sequenceDiagram');
  if (problems.length > 0) throw new DiagramError(id, problems);
  return { id, title, source, actors, steps };
}

function actorOf(name: string): ActorId | null {
  const id = name.toLowerCase() as ActorId;
  return ACTORS.includes(id) ? id : null;
}

/** `%% step: a  match: …  spec: …` → { step: 'a', match: '…', spec: '…' }; `%% why: …` is all text. */
function commentFields(comment: string): Partial<Record<'step' | 'match' | 'spec' | 'why', string>> {
  const why = /^\s*why:(.*)$/.exec(comment);
  if (why) return { why: why[1].trim() };
  const found = [...comment.matchAll(FIELD)];
  return Object.fromEntries(
    found.map((field, i) => [field[1], comment.slice(field.index! + field[0].length, found[i + 1]?.index ?? comment.length).trim()]),
  );
}

function stepOf(note: Annotation, index: number, label: string, problems: string[]): Omit<FlowStep, 'from' | 'to'> | null {
  const at = `line ${note.line}`;
  const before = problems.length;
  if (!note.id || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(note.id)) problems.push(`${at}: step id "${note.id ?? ''}" must be kebab-case`);
  const match = note.match ? parseMatcher(note.match) : null;
  if (!match) problems.push(`${at}: step "${note.id}" needs "match: <api|front|back> <METHOD> </path> [name=value] [-> status]", got "${note.match ?? ''}"`);
  const spec = note.spec ? parseSpec(note.spec) : null;
  if (!spec) problems.push(`${at}: step "${note.id}" needs "spec: <label> <https://…>"`);
  if (note.why.length === 0) problems.push(`${at}: step "${note.id}" needs a "%% why:" line`);
  if (problems.length > before) return null;
  return { id: note.id!, index, label, match: match!, why: note.why.join(' '), spec: spec!, optional: note.optional };
}

export function parseMatcher(text: string): ExchangeMatcher | null {
  const [route, status, ...extra] = text.split(/\s*->\s*/);
  if (extra.length > 0 || status === '') return null;
  const [channel, method, path, param, ...rest] = route.trim().split(/\s+/);
  if (rest.length > 0 || !CHANNELS.includes(channel as Channel) || !/^[A-Z]+$/.test(method ?? '') || !path?.startsWith('/')) return null;
  if (status !== undefined && !/^(\d{3}|\dxx)(\|(\d{3}|\dxx))*$/.test(status)) return null;
  const equals = param?.indexOf('=') ?? -1;
  if (param !== undefined && equals < 1) return null;
  return {
    channel: channel as Channel,
    method,
    path,
    ...(param !== undefined && { param: { name: param.slice(0, equals), value: param.slice(equals + 1) } }),
    ...(status !== undefined && { status }),
  };
}

function parseSpec(text: string): FlowStep['spec'] | null {
  const href = /\s(https:\/\/\S+)$/.exec(` ${text}`)?.[1];
  const label = href ? text.slice(0, text.length - href.length).trim() : '';
  return href && label ? { label, href } : null;
}

/**
 * Which diagram draws which part of a run of an auth option: its main flow, or an on-demand action
 * (site/flow/auth-options.ts). A part the option does not have is drawn on its main diagram, where
 * its exchanges show as not on the diagram.
 */
export function diagramIdFor(transport: Transport, part: 'main' | OnDemandAction, option: AuthOptionId = 'worker', revision: ProtocolRevision = PROTOCOL_VERSION): string {
  const diagrams = AUTH_OPTIONS[option].diagrams[transport] ?? AUTH_OPTIONS[option].diagrams['streamable-http']!;
  const own = part === 'main' || part === 'attack' ? undefined : diagrams[part]; // an attack's diagram is the lab's own (site/flow/attacks.ts)
  if (own) return own; // the on-demand parts are the same requests under both revisions
  // Under 2026-07-28 the main flow differs (server/discover instead of initialize).
  return revision === STATELESS_REVISION ? statelessDiagramId(diagrams.main!) : diagrams.main!;
}

/**
 * The main flow as a 2026-07-28 client runs it (server/discover instead of initialize): the
 * 2025-11-25 diagram's id with `-2026`, in its own file (diagrams/<id>-2026.mmd).
 */
export const statelessDiagramId = (mainId: string) => `${mainId}${STATELESS_SUFFIX}`;
