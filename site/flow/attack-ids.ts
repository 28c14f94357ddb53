/**
 * The attack labs' ids, apart from their data (attacks.ts) so that the flow's contracts
 * (types.ts) can name them without importing the labs.
 */
export const ATTACK_IDS = [
  'wrong-audience',
  'audience-unchecked',
  'stolen-code',
  'pkce-downgrade',
  'confused-deputy',
  'token-passthrough',
  'redirect-swap',
  'session-hijack',
  'foreign-origin',
  'cimd-claimed-redirect',
] as const;
export type AttackId = (typeof ATTACK_IDS)[number];

export const isAttackId = (value: unknown): value is AttackId => typeof value === 'string' && (ATTACK_IDS as readonly string[]).includes(value);
