import type { GrantProps } from '../grant-props';

/** What the verified access token says about the caller, as every tool sees it. */
export interface Caller {
  userId: string;
  userName: string;
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
  /** The audience the token was issued for (RFC 8707). */
  resource: string;
}

/** A verified token, as the OAuth library (`ctx.auth`) or the MCP SDK (`authInfo`) hands it over. */
export interface VerifiedToken {
  clientId?: string;
  scopes: readonly string[];
  expiresAt?: number;
  resource?: string | URL;
}

/** The one way a tool's caller is built, on every transport. */
export function callerOf(token: VerifiedToken, props: GrantProps): Caller {
  return {
    userId: props.userId,
    userName: props.userName,
    clientId: token.clientId ?? '',
    scopes: [...token.scopes],
    ...(token.expiresAt !== undefined && { expiresAt: token.expiresAt }),
    resource: token.resource === undefined ? '' : String(token.resource),
  };
}
