import { describe, expect, it } from 'vitest';
import { missingScopes, SCOPES } from './scopes';

describe('missingScopes', () => {
  it.each([
    { granted: [], needed: [SCOPES.read], missing: [SCOPES.read] },
    { granted: [SCOPES.read], needed: [SCOPES.read], missing: [] },
    { granted: [SCOPES.read], needed: [SCOPES.read, SCOPES.write], missing: [SCOPES.write] },
    // write implies read: a broader scope satisfies the narrower one
    { granted: [SCOPES.write], needed: [SCOPES.read, SCOPES.write], missing: [] },
    { granted: [SCOPES.write], needed: [SCOPES.read], missing: [] },
    { granted: ['unrelated'], needed: [SCOPES.read, SCOPES.write], missing: [SCOPES.read, SCOPES.write] },
  ])('granted $granted, needed $needed → missing $missing', ({ granted, needed, missing }) => {
    expect(missingScopes(granted, needed)).toEqual(missing);
  });
});
