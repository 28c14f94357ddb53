import { AUTH_OPTIONS, serverUrlFor, transportsOf, type AuthOptionId } from '../flow/auth-options';
import { PROTOCOL_VERSION, STATELESS_REVISION, type ProtocolRevision } from '../flow/mcp';
import type { FlowConfig, Registration, Sabotage, Transport } from '../flow/types';
import { formField, formFields } from './dom';

/**
 * The run's options as the learner set them (PlayerOptions.astro): which auth option, how the
 * client registers, which transport, which deliberate mistake. Read when a run starts; locked
 * while it runs. A choice the current option cannot take is disabled, and a note says why.
 */
const cimdNeedsHttps = () => location.protocol !== 'https:';

/** The protocol revision chosen in the player. */
export function chosenRevision(root: HTMLElement): ProtocolRevision {
  return (root.querySelector<HTMLInputElement>('input[name$="-revision"]:checked')?.value as ProtocolRevision | undefined) ?? PROTOCOL_VERSION;
}

export function readConfig(root: HTMLElement, option: AuthOptionId, transport: Transport): FlowConfig {
  const chosen = (root.querySelector<HTMLInputElement>('input[name$="-registration"]:checked')?.value ?? 'dcr') as Registration;
  const registration = AUTH_OPTIONS[option].registrations.includes(chosen) ? chosen : 'dcr';
  const sabotage = (formField(root, '[data-fp-sabotage]').value || undefined) as Sabotage | undefined;
  return {
    serverUrl: serverUrlFor(location.origin, option, transport),
    transport,
    revision: chosenRevision(root),
    registration,
    toolCall: AUTH_OPTIONS[option].toolCall,
    ...(sabotage && { sabotage }),
  };
}

/** The auth option picked in the chooser, when the player offers several. */
export function chosenOption(root: HTMLElement): AuthOptionId | null {
  return (root.querySelector<HTMLInputElement>('input[name$="-option"]:checked')?.value as AuthOptionId | undefined) ?? null;
}

/** Why a control is off for an option, or null when it is not (CIMD on http is explained by explainCimd). */
function unavailableFor(option: AuthOptionId, control: { name: string; value: string }, revision: ProtocolRevision): string | null {
  if (control.name.endsWith('-transport') && control.value === 'sse' && revision === STATELESS_REVISION) {
    return 'Not in 2026-07-28: HTTP+SSE is the 2024-11-05 transport (deprecated); a client of 2026-07-28 speaks Streamable HTTP only.';
  }
  if (control.name.endsWith('-registration') && !AUTH_OPTIONS[option].registrations.includes(control.value as Registration)) {
    return 'Not at option 3b: the client registers at the provider, which is its authorization server. The lab’s pre-registered client exists only at the Worker’s.';
  }
  if (control.name.endsWith('-transport') && !transportsOf(option).includes(control.value as Transport)) {
    return 'Legacy HTTP+SSE is offered only by option 1 (/sse). The other options are served over Streamable HTTP.';
  }
  return null;
}

const controls = (root: HTMLElement) => [...root.querySelectorAll<HTMLInputElement>('[data-fp-options] input, [data-fp-options] select, [data-fp-auth-options] input')];

/** Disables what the option cannot take (and moves a checked radio off it), with the note that says why. */
export function applyOption(root: HTMLElement, option: AuthOptionId): void {
  const revision = chosenRevision(root);
  const notes = { registration: root.querySelector<HTMLElement>('[data-registration-note]'), transport: root.querySelector<HTMLElement>('[data-fp-transports]') };
  let registrationNote: string | null = null;
  let transportNote: string | null = null;
  for (const control of controls(root)) {
    if (control.type !== 'radio' || control.name.endsWith('-option')) continue;
    const why = unavailableFor(option, control, revision);
    control.dataset.unavailable = why === null ? '' : 'true';
    if (why === null) continue;
    if (control.name.endsWith('-registration')) registrationNote = why;
    else transportNote = why;
    control.disabled = true;
    if (control.checked) {
      control.checked = false;
      root.querySelector<HTMLInputElement>(`input[name="${control.name}"][value="${control.name.endsWith('-registration') ? 'dcr' : 'streamable-http'}"]`)!.checked = true;
    }
  }
  setNote(notes.registration, registrationNote);
  if (notes.transport) {
    let note = notes.transport.querySelector<HTMLElement>('.fp-option-note');
    if (!note) {
      note = document.createElement('p');
      note.className = 'fp-option-note';
      notes.transport.appendChild(note);
    }
    setNote(note, transportNote);
  }
  lockOptions(root, false);
}

function setNote(note: HTMLElement | null, text: string | null): void {
  if (!note) return;
  note.hidden = text === null;
  note.textContent = text ?? '';
}

export function lockOptions(root: HTMLElement, locked: boolean): void {
  for (const control of formFields(root, '[data-fp-options] input, [data-fp-options] select, [data-fp-auth-options] input')) {
    if (control.value === 'cimd' && cimdNeedsHttps()) continue;
    if ((control as unknown as HTMLElement).dataset.unavailable === 'true') continue;
    control.disabled = locked;
  }
}

/** A Client ID Metadata Document's URL must be https: on http (local development) the option is explained, not hidden. */
export function explainCimd(root: HTMLElement): void {
  if (!cimdNeedsHttps()) return;
  root.querySelector<HTMLInputElement>('input[value="cimd"]')!.disabled = true;
  const note = root.querySelector<HTMLElement>('[data-cimd-note]')!;
  note.hidden = false;
  note.textContent = `Not on ${location.origin}: with CIMD the client_id is the URL of the client’s metadata document, and it must be https, so the authorization server knows whose document it fetched. On an https deployment this option works.`;
}
