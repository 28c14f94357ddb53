import { randomToken } from '../../jwt/base64url';
import { signJwt, type JwtClaims } from '../../jwt/jwt';
import type { SigningKey } from './keys';

/**
 * The tokens the Simulated OIDC provider issues at its token endpoint:
 *   - an access token, a JWT in the RFC 9068 profile (`typ: at+jwt`), whose `aud` is the resource
 *     the client asked for (RFC 8707) or, without one, this provider's userinfo endpoint;
 *   - an ID token (OpenID Connect Core §2) when `openid` was granted, for the client itself.
 * A code can carry a learning failure chosen on the authorize page; it spoils the tokens here, in
 * exactly one way each, so a learner sees which check catches it.
 */
export const ACCESS_TOKEN_SECONDS = 60 * 60;
export const ID_TOKEN_SECONDS = 10 * 60;

export const TOKEN_FAILURES = {
  none: "Don't fail",
  token_500: 'The token endpoint fails with HTTP 500',
  token_error: 'The token endpoint refuses the code (invalid_grant)',
  bad_signature: 'Tokens whose signature does not verify (tampered)',
  expired: 'Tokens that expired an hour ago',
  wrong_audience: 'Tokens issued for another audience',
  wrong_issuer: 'Tokens that name another issuer',
  wrong_nonce: 'An ID token with a nonce the client never sent',
} as const;
export type TokenFailure = keyof typeof TOKEN_FAILURES;

export interface SimulatedUser {
  login: string;
  sub: string;
  name: string;
  email: string;
}

export const USERS: SimulatedUser[] = [
  { login: 'ada', sub: '248289761001', name: 'Ada Lovelace', email: 'ada@simulated-oidc.example' },
  { login: 'grace', sub: '248289761002', name: 'Grace Hopper', email: 'grace@simulated-oidc.example' },
  { login: 'alan', sub: '248289761003', name: 'Alan Turing', email: 'alan@simulated-oidc.example' },
];

export const userClaims = (user: SimulatedUser, scope: string[]): JwtClaims => ({
  sub: user.sub,
  ...(scope.includes('profile') && { name: user.name, preferred_username: user.login }),
  ...(scope.includes('email') && { email: user.email, email_verified: true }),
});

export interface Grant {
  issuer: string;
  clientId: string;
  user: SimulatedUser;
  scope: string[];
  resource?: string;
  nonce?: string;
  authTime: number;
  failure: TokenFailure;
}

export const userinfoAudience = (issuer: string) => `${issuer}/userinfo`;

export async function issueTokens(grant: Grant, key: SigningKey, now = Math.floor(Date.now() / 1000)) {
  const spoil = grant.failure;
  const issuer = spoil === 'wrong_issuer' ? 'https://impostor.invalid' : grant.issuer;
  const lifetime = (seconds: number) => (spoil === 'expired' ? { iat: now - 2 * 3600, exp: now - 3600 } : { iat: now, exp: now + seconds });
  const access: JwtClaims = {
    iss: issuer,
    sub: grant.user.sub,
    aud: spoil === 'wrong_audience' ? 'https://another-api.invalid/mcp' : (grant.resource ?? userinfoAudience(grant.issuer)),
    client_id: grant.clientId,
    scope: grant.scope.join(' '),
    ...lifetime(ACCESS_TOKEN_SECONDS),
    jti: randomToken(16),
  };
  const sign = async (typ: string, claims: JwtClaims) => {
    const token = await signJwt({ alg: 'ES256', kid: key.kid, typ }, claims, key.privateKey);
    if (spoil !== 'bad_signature') return token;
    // Flip the first signature character: still well-formed, no longer this key's signature.
    const dot = token.lastIndexOf('.') + 1;
    return token.slice(0, dot) + (token[dot] === 'A' ? 'B' : 'A') + token.slice(dot + 1);
  };
  const tokens: Record<string, string | number> = {
    access_token: await sign('at+jwt', access),
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_SECONDS,
    scope: grant.scope.join(' '),
  };
  if (grant.scope.includes('openid')) {
    tokens.id_token = await sign('JWT', {
      iss: issuer,
      aud: spoil === 'wrong_audience' ? 'another-client' : grant.clientId,
      ...lifetime(ID_TOKEN_SECONDS),
      auth_time: grant.authTime,
      ...(grant.nonce !== undefined && { nonce: spoil === 'wrong_nonce' ? randomToken(16) : grant.nonce }),
      ...(grant.nonce === undefined && spoil === 'wrong_nonce' && { nonce: randomToken(16) }),
      ...userClaims(grant.user, grant.scope),
    });
  }
  return tokens;
}
