import type { AuthOptionId } from './catalogue';

/**
 * What a grant carries to the MCP server (`props` in `completeAuthorization`). The OAuth library
 * encrypts it with a key only the token holder can unwrap; the tools read it on every call. It
 * never leaves the Worker: no tool returns what an option keeps in it (a provider's token).
 *
 * `signedInWith` names the option the grant was made for, and each endpoint accepts only its own
 * (mcp/endpoints.ts, tokensIssuedHere): a grant made through option 1's sign-in is no use at
 * option 2's endpoint, whatever its audience. Each option adds its own fields (options/<id>/).
 */
export interface GrantProps {
  signedInWith: AuthOptionId;
  /** The grant's user id: no `:` (the library's separator), unique across options. */
  userId: string;
  userName: string;
}
