import type { FlowConfig, Registration, Sabotage, Transport } from '../flow/types';
import { formField, formFields } from './dom';

/**
 * The run's options as the learner set them (PlayerOptions.astro): how the client registers,
 * which transport, which deliberate mistake. Read when a run starts; locked while it runs.
 */
const cimdNeedsHttps = () => location.protocol !== 'https:';

export function readConfig(root: HTMLElement, transport: Transport): FlowConfig {
  const registration = (root.querySelector<HTMLInputElement>('input[name$="-registration"]:checked')?.value ?? 'dcr') as Registration;
  const sabotage = (formField(root, '[data-fp-sabotage]').value || undefined) as Sabotage | undefined;
  return {
    serverUrl: `${location.origin}${transport === 'sse' ? '/sse' : '/mcp'}`,
    transport,
    registration,
    ...(sabotage && { sabotage }),
  };
}

export function lockOptions(root: HTMLElement, locked: boolean): void {
  for (const control of formFields(root.querySelector('[data-fp-options]')!, 'input, select')) {
    if (control.value === 'cimd' && cimdNeedsHttps()) continue;
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
