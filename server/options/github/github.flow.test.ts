import { expect } from 'vitest';
import { server } from '../../index';
import { describeOptionFlow } from '../../testing/option-flow';

// Option 2 end to end, through the Simulated GitHub: the Worker's consent, GitHub's page, the
// Worker's code exchange and user lookup, then the Worker's own tokens (testing/option-flow.ts).
describeOptionFlow(server, 'github', {
  expect(profile) {
    // The profile came from GitHub's user endpoint, called with the token only the Worker holds.
    expect(profile).toMatchObject({ login: expect.any(String), id: expect.any(Number) });
    expect(JSON.stringify(profile)).not.toMatch(/gho_/);
  },
});
