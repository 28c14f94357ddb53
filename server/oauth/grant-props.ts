/**
 * What a grant carries to the MCP server (`props` in `completeAuthorization`). The OAuth library
 * encrypts it with a key only the token holder can unwrap; the tools read it on every call. It
 * never leaves the Worker: no tool returns the upstream tokens inside it.
 *
 * `signedInWith` names the option the grant was made for, and each endpoint accepts only its own:
 * a grant made through the lab's sign-in (option 1) is no use at /github/mcp, whatever its audience.
 */
export type GrantProps = WorkerSignIn | GithubSignIn | OidcSignIn | ExternalToken;

interface Subject {
  /** The grant's user id: no `:` (the library's separator), unique across options. */
  userId: string;
  userName: string;
}

/** Option 1: the lab's own demo sign-in. */
export interface WorkerSignIn extends Subject {
  signedInWith: 'worker';
}

/** Option 2: GitHub (or the Simulated GitHub) signed the user in; its token acts for them there. */
export interface GithubSignIn extends Subject {
  signedInWith: 'github';
  github: {
    login: string;
    /** The GitHub access token, used only to call `userUrl`. */
    accessToken: string;
    userUrl: string;
    provider: string;
  };
}

/** Option 3a: an OpenID provider signed the user in; the ID token was verified at the callback. */
export interface OidcSignIn extends Subject {
  signedInWith: 'oidc';
  oidc: {
    issuer: string;
    subject: string;
    provider: string;
    /** Claims from the verified ID token (no token itself). */
    claims: Record<string, unknown>;
    /** The provider's access token, for its userinfo endpoint only. */
    accessToken?: string;
  };
}

/** Option 3b: no grant here at all; these props are built per request from the provider's JWT access token. */
export interface ExternalToken extends Subject {
  signedInWith: 'external';
  token: {
    issuer: string;
    subject: string;
    audience: string | string[];
    scope: string[];
    clientId?: string;
    issuedAt?: number;
    expiresAt?: number;
    keyId?: string;
  };
}
