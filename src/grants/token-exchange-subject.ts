import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { verifyJwt } from '../tokens/jwt.js';
import type { AccessTokenClaims } from './inspect.js';
import type { ActClaim } from './issue.js';

/** How many actors a chain of exchanges may name, the subject token's included (RFC 8693 §4.1). */
export const MAX_ACTORS = 4;

export interface SubjectClaims extends AccessTokenClaims {
  act?: ActClaim;
  auth_time?: number;
}

/**
 * The subject token of a token exchange (RFC 8693 §2.1), verified fully: one of this server's access
 * tokens (signature by a current or previous signing key, `typ` at+jwt — so not an ID token, not a
 * refresh token, not a JWT of anyone else — `iss`, an unexpired `exp`), issued for a resource (`aud`),
 * not revoked (the jti denylist), from a user's grant that is still active, for a user who is still
 * active. A token without a grant (client_credentials) has no user to act for and is refused. Every
 * refusal is invalid_request: RFC 8693 §2.2.2 says so for a subject token that is "invalid for any
 * reason".
 */
export async function verifySubjectToken(
  ctx: Context,
  token: string,
): Promise<{ claims: SubjectClaims; userId: string }> {
  const invalid = (why: string) => new OAuthError('invalid_request', `the subject_token ${why}`);
  const decoded = verifyJwt(token, (kid) => ctx.keys.findKey(kid));
  if (!decoded) throw invalid('is not an access token issued by this server');
  // RFC 9068 §4: the type tells access tokens from ID tokens and other JWTs signed with the same key.
  if (decoded.header.typ !== 'at+jwt') throw invalid('is not an access token');
  const claims = decoded.payload as unknown as SubjectClaims;
  if (claims.iss !== ctx.config.issuer) throw invalid('was issued by another issuer');
  if (!wellFormed(claims)) throw invalid('is malformed');
  if (claims.exp * 1000 <= ctx.now()) throw invalid('has expired');
  if (!claims.gid) throw invalid("is not from a user's grant (nothing to act on behalf of)");
  if (claims.act !== undefined && actorDepth(claims.act) >= MAX_ACTORS) {
    throw invalid(`already names ${MAX_ACTORS} actors`);
  }
  const [revoked, grant] = await Promise.all([
    ctx.store.isAccessTokenRevoked(claims.jti),
    ctx.store.getGrant(claims.gid),
  ]);
  if (revoked) throw invalid('has been revoked');
  if (!grant || grant.revokedAt !== null) throw invalid('grant has been revoked');
  if (grant.userId !== claims.sub) throw invalid('does not match its grant');
  const user = await ctx.store.getUserById(grant.userId);
  if (!user || user.disabledAt !== null) throw invalid('user is no longer active');
  return { claims, userId: grant.userId };
}

function wellFormed(c: SubjectClaims): boolean {
  return (
    typeof c.sub === 'string' &&
    typeof c.aud === 'string' &&
    typeof c.jti === 'string' &&
    typeof c.exp === 'number' &&
    typeof c.client_id === 'string' &&
    (c.scope === undefined || typeof c.scope === 'string') &&
    (c.gid === undefined || typeof c.gid === 'string')
  );
}

/**
 * How many actors an `act` claim names, following nested `act` (RFC 8693 §4.1); a malformed link (not
 * an object with a string `sub`) counts as too many. Stops counting past MAX_ACTORS.
 */
export function actorDepth(act: unknown): number {
  let depth = 0;
  let link: unknown = act;
  while (link !== undefined) {
    if (typeof link !== 'object' || link === null || typeof (link as ActClaim).sub !== 'string') {
      return Number.POSITIVE_INFINITY;
    }
    depth += 1;
    if (depth > MAX_ACTORS) return depth;
    link = (link as ActClaim).act;
  }
  return depth;
}
