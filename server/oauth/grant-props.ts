/**
 * What a grant carries to the MCP server (`props` in `completeAuthorization`). The OAuth library
 * encrypts it with a key only the token holder can unwrap; the tools read it on every call.
 */
export interface GrantProps {
  userId: string;
  userName: string;
  /** Which way the user signed in: 'worker' for option 1 (later options add their own). */
  signedInWith: 'worker';
}
