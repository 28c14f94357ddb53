import { expect } from 'vitest';
import { server } from '../../index';
import { describeOptionFlow } from '../../testing/option-flow';

// Option 3a end to end, through the Simulated OIDC provider: consent, the provider's sign-in, the
// ID token verified against its keys, then the Worker's own tokens (testing/option-flow.ts).
describeOptionFlow(server, 'oidc-proxy', {
  expect(userinfo) {
    // userinfo was fetched with the provider's access token, about the user the ID token named.
    expect(userinfo).toMatchObject({ claims: { sub: expect.any(String) } });
  },
});
