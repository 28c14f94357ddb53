import { expect } from 'vitest';
import { server } from '../../index';
import { describeOptionFlow } from '../../testing/option-flow';

// Option 3b end to end: the client registers and signs in at the (simulated) provider, which
// issues a JWT access token this Worker verifies on every request (testing/option-flow.ts).
describeOptionFlow(server, 'oidc-external', {
  expect(claims) {
    expect(claims).toMatchObject({ subject: expect.any(String), scope: ['mcp:read'], audience: expect.stringMatching(/\/external\/mcp$/) });
  },
});
