import type { Context, RequestInfo } from '../context.js';
import type { Params } from '../http/params.js';
import type { ClientRecord, RefreshTokenRecord, TokenEndpointAuthMethod } from '../store/types.js';
import { randomToken } from '../tokens/crypto.js';
import { signJwt } from '../tokens/jwt.js';
import { deriveOpaque, mintOpaque, type OpaqueCredential, type ParsedOpaque } from '../tokens/opaque.js';

/**
 * Token issuance shared by every grant. Access tokens are RFC 9068 JWTs: `typ: at+jwt`, and the claims
 * iss, sub, aud (the one resource of the grant: RFC 8707 §2, RFC 9068 §3), client_id, scope, iat, exp,
 * jti; `gid` names the grant so introspection can see its revocation.
 */

export interface AccessTokenInput {
  sub: string;
  clientId: string;
  resource: string;
  scope: string[];
  grantId?: string;
  authTime?: number;
  /** RFC 9449 §6.1: the DPoP key the token is bound to (`cnf.jkt`); absent, a bearer token. */
  jkt?: string;
  /** RFC 8693 §4.1: the acting party of a token exchange (nested for a chain). */
  act?: ActClaim;
  /** Epoch seconds the token must not outlive (an exchanged token ends with its subject token). */
  notAfter?: number;
  /** The organization the user acts in, and their roles in it (organization-claims.ts). */
  orgId?: string;
  roles?: string[];
}

/** RFC 8693 §4.1: `act` names the current actor; a nested `act` the one before it. */
export interface ActClaim {
  sub: string;
  act?: ActClaim;
}

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
  jti: string;
  /** Set when the token is DPoP-bound: the response's token_type is then DPoP (RFC 9449 §5). */
  jkt?: string;
}

/** Not an async function: the signature's promise is continued rather than awaited in another frame. */
export function issueAccessToken(ctx: Context, input: AccessTokenInput): Promise<IssuedAccessToken> {
  const iat = Math.floor(ctx.now() / 1000);
  const ttl = ctx.config.tokens.accessTokenTtl;
  const expiresIn = input.notAfter === undefined ? ttl : Math.max(0, Math.min(ttl, input.notAfter - iat));
  const jti = randomToken(16);
  const claims: Record<string, unknown> = {
    iss: ctx.config.issuer,
    sub: input.sub,
    aud: input.resource,
    client_id: input.clientId,
    iat,
    exp: iat + expiresIn,
    jti,
  };
  if (input.scope.length) claims.scope = input.scope.join(' ');
  if (input.grantId) claims.gid = input.grantId;
  if (input.authTime !== undefined) claims.auth_time = Math.floor(input.authTime / 1000);
  if (input.jkt !== undefined) claims.cnf = { jkt: input.jkt };
  if (input.act) claims.act = input.act;
  if (input.orgId !== undefined) claims.org_id = input.orgId;
  if (input.roles !== undefined) claims.roles = input.roles;
  const { jkt } = input;
  return signJwt(ctx.keys.signingKey(), 'at+jwt', claims).then((token) =>
    jkt === undefined ? { token, expiresIn, jti } : { token, expiresIn, jti, jkt },
  );
}

/** An OIDC ID token for `openid` requests (OIDC Core §2, §3.1.3.6). */
export function issueIdToken(
  ctx: Context,
  input: {
    sub: string;
    clientId: string;
    nonce?: string;
    authTime: number;
    email?: string;
    emailVerified?: boolean;
  },
): Promise<string> {
  const iat = Math.floor(ctx.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: ctx.config.issuer,
    sub: input.sub,
    aud: input.clientId,
    iat,
    exp: iat + ctx.config.tokens.accessTokenTtl,
    auth_time: Math.floor(input.authTime / 1000),
  };
  if (input.nonce !== undefined) claims.nonce = input.nonce;
  if (input.email !== undefined) {
    // OIDC Core §5.1, §5.4: the email scope asks for email and email_verified; false unless proven.
    claims.email = input.email;
    claims.email_verified = input.emailVerified === true;
  }
  return signJwt(ctx.keys.signingKey(), 'JWT', claims);
}

/**
 * When a refresh token issued at `at` expires unless rotated first: after the idle lifetime, and never
 * later than the grant's absolute lifetime, counted from the grant's creation so that rotation cannot
 * extend it (`tokens.refreshTokenAbsoluteTtl`; RFC 9700 §4.14.2 lets the server bound a refresh token's life).
 */
export function refreshTokenExpiry(ctx: Context, at: number, grantCreatedAt = at): number {
  const { refreshTokenIdleTtl, refreshTokenAbsoluteTtl } = ctx.config.tokens;
  return Math.min(at + refreshTokenIdleTtl * 1000, grantCreatedAt + refreshTokenAbsoluteTtl * 1000);
}

interface RefreshTokenInput {
  grantId: string;
  clientId: string;
  scope: string;
  resource: string;
}

function refreshRecord(
  ctx: Context,
  credential: OpaqueCredential,
  input: RefreshTokenInput,
  grantCreatedAt?: number,
): { value: string; record: RefreshTokenRecord } {
  const at = ctx.now();
  return {
    value: credential.value,
    record: {
      id: credential.id,
      secretHash: credential.secretHash,
      grantId: input.grantId,
      clientId: input.clientId,
      scope: input.scope,
      resource: input.resource,
      createdAt: at,
      expiresAt: refreshTokenExpiry(ctx, at, grantCreatedAt),
      rotatedAt: null,
      revokedAt: null,
    },
  };
}

/** A new refresh token for a grant; the value goes to the client, the record (hash only) to the store. */
export function mintRefreshToken(
  ctx: Context,
  input: RefreshTokenInput,
): { value: string; record: RefreshTokenRecord } {
  return refreshRecord(ctx, mintOpaque('ghr'), input);
}

/**
 * The successor of a presented refresh token. It is the same token however often the parent is
 * presented (deriveOpaque), so a rotation can never branch: the parent has exactly one possible
 * successor, and the store's primary key holds at most one of it.
 */
export function successorRefreshToken(
  ctx: Context,
  parent: ParsedOpaque,
  input: RefreshTokenInput & { grantCreatedAt: number },
): { value: string; record: RefreshTokenRecord } {
  const credential = deriveOpaque('ghr', ctx.secrets.refreshSuccessor, parent);
  return refreshRecord(ctx, credential, input, input.grantCreatedAt);
}

/**
 * A grant type's exchange at the token endpoint, after client authentication: `method` is how the client
 * authenticated for this request.
 */
export type GrantExchange = (
  ctx: Context,
  client: ClientRecord,
  params: Params,
  req: RequestInfo,
  method: TokenEndpointAuthMethod,
) => Promise<TokenResponse>;

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  /** RFC 8693 §2.2.1: the type of the issued token, for token exchange. */
  issued_token_type?: string;
}

export function tokenResponse(
  access: IssuedAccessToken,
  scope: string[],
  extra: Partial<TokenResponse> = {},
): TokenResponse {
  const body: TokenResponse = {
    access_token: access.token,
    // RFC 9449 §5: a DPoP-bound access token is of type DPoP.
    token_type: access.jkt === undefined ? 'Bearer' : 'DPoP',
    expires_in: access.expiresIn,
  };
  // OAuth 2.1 §3.2.3: scope is returned so the client sees what was granted.
  if (scope.length) body.scope = scope.join(' ');
  return Object.assign(body, extra);
}
