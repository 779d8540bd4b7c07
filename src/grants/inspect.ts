import type { Context } from '../context.js';
import type { GrantRecord, RefreshTokenRecord } from '../store/types.js';
import { verifyJwt } from '../tokens/jwt.js';
import { matchesSecret, parseOpaque } from '../tokens/opaque.js';

/**
 * What a presented token is, and whether it is still good: shared by revocation (RFC 7009) and
 * introspection (RFC 7662). The hint is only an optimisation: every type is tried (RFC 7009 §2.1).
 */
export type InspectedToken =
  | { kind: 'refresh_token'; active: boolean; record: RefreshTokenRecord; grant: GrantRecord | undefined }
  | { kind: 'access_token'; active: boolean; claims: AccessTokenClaims };

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  client_id: string;
  scope?: string;
  iat: number;
  exp: number;
  jti: string;
  gid?: string;
  /** RFC 9449 §6.1: the DPoP key a bound token is confirmed by. */
  cnf?: { jkt: string };
  /** RFC 8693 §4.1: on an exchanged token, the acting client (and those before it). */
  act?: unknown;
  /** The organization the user acts in, and their roles (grants/organization-claims.ts). */
  org_id?: string;
  roles?: string[];
}

export async function inspectToken(ctx: Context, token: string): Promise<InspectedToken | undefined> {
  const refresh = parseOpaque('ghr', token);
  if (refresh) {
    // The token, its grant and its user in one read; active means the refresh grant would accept it.
    const found = await ctx.store.getRefreshTokenWithGrant(refresh.id);
    if (!found || !matchesSecret(refresh, found.token.secretHash)) return undefined;
    const { token: record, grant } = found;
    const now = ctx.now();
    const active =
      record.revokedAt === null &&
      record.rotatedAt === null &&
      record.expiresAt > now &&
      grant.revokedAt === null &&
      found.userActive &&
      now < grant.createdAt + ctx.config.tokens.refreshTokenAbsoluteTtl * 1000;
    return { kind: 'refresh_token', active, record, grant };
  }
  const decoded = verifyJwt(token, (kid) => ctx.keys.findKey(kid));
  if (decoded?.header.typ !== 'at+jwt') return undefined;
  const claims = decoded.payload as unknown as AccessTokenClaims;
  if (claims.iss !== ctx.config.issuer || typeof claims.jti !== 'string' || typeof claims.exp !== 'number') {
    return undefined;
  }
  if (claims.exp * 1000 <= ctx.now()) return { kind: 'access_token', active: false, claims };
  // The denylist and the grant are independent lookups: one round trip's latency, not two.
  const [revoked, grant] = await Promise.all([
    ctx.store.isAccessTokenRevoked(claims.jti),
    claims.gid ? ctx.store.getGrant(claims.gid) : undefined,
  ]);
  const active = !revoked && (!claims.gid || (grant !== undefined && grant.revokedAt === null));
  return { kind: 'access_token', active, claims };
}
