import { ADMIN_SCOPE } from '../../config/resolve.js';
import type { Context, RequestInfo } from '../../context.js';
import { OAuthError } from '../../errors.js';
import { adminResource } from '../../grants/audience.js';
import { parseCookies } from '../../http/cookies.js';
import { assertSameOrigin, readSession, sessionCsrf } from '../../interaction/browser-session.js';
import { type AdminActor, adminActorOfToken } from '../../operations/access.js';
import { safeEqual } from '../../tokens/crypto.js';
import { verifyJwt } from '../../tokens/jwt.js';

/**
 * Who may call the admin API:
 * - automation: a bearer access token from this issuer for the resource `{issuer}/admin` with the
 *   `gatehouse.admin` scope, whose subject is an enabled preregistered client that still lists that
 *   resource (it obtained the token for itself with client_credentials);
 * - people: an administrator signed in on the hosted pages (session cookie); a mutating call must
 *   also carry the session's CSRF token in `X-CSRF-Token` and come from this origin.
 * Anything else is 401/403 with nothing else in the answer.
 */
export type { AdminActor } from '../../operations/access.js';

/** The header a signed-in administrator's mutating calls carry (the dashboard's forms use a field). */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

async function authenticateSession(ctx: Context, req: RequestInfo): Promise<AdminActor | undefined> {
  if (!parseCookies(req.request.headers.get('cookie')).has(ctx.cookies.session)) return undefined;
  const active = await readSession(ctx, req);
  if (!active) return undefined;
  if (!active.user.admin) throw new OAuthError('forbidden', 'an administrator account is required');
  if (!SAFE_METHODS.has(req.request.method)) {
    assertSameOrigin(ctx, req);
    const presented = req.request.headers.get(CSRF_HEADER);
    if (!presented || !safeEqual(sessionCsrf(ctx, active.session), presented))
      throw new OAuthError('forbidden', `a valid ${CSRF_HEADER} header is required`);
  }
  return { id: `user:${active.user.id}` };
}

const challenge = (error?: string) =>
  error ? `Bearer realm="gatehouse-admin", error="${error}"` : 'Bearer realm="gatehouse-admin"';

const invalid = () =>
  new OAuthError('invalid_token', 'the access token is not valid for the admin API', {
    headers: { 'www-authenticate': challenge('invalid_token') },
  });

export async function authenticateAdmin(ctx: Context, req: RequestInfo): Promise<AdminActor> {
  const header = req.request.headers.get('authorization');
  if (!header) {
    const viaSession = await authenticateSession(ctx, req);
    if (viaSession) return viaSession;
  }
  const match = header ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header) : null;
  if (!match) {
    throw new OAuthError('invalid_token', 'an admin access token is required', {
      headers: { 'www-authenticate': challenge() },
    });
  }
  const decoded = verifyJwt(match[1]!, (kid) => ctx.keys.findKey(kid));
  if (decoded?.header.typ !== 'at+jwt') throw invalid();
  const claims = decoded.payload;
  if (claims.iss !== ctx.config.issuer || claims.aud !== adminResource(ctx.config)) throw invalid();
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= ctx.now()) throw invalid();
  if (typeof claims.jti !== 'string') throw invalid();
  if (typeof claims.sub !== 'string' || typeof claims.client_id !== 'string') throw invalid();
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  if (!scopes.includes(ADMIN_SCOPE)) {
    throw new OAuthError('insufficient_scope', `the ${ADMIN_SCOPE} scope is required`, {
      headers: { 'www-authenticate': `${challenge('insufficient_scope')}, scope="${ADMIN_SCOPE}"` },
    });
  }
  const actor = await adminActorOfToken(ctx, {
    jti: claims.jti,
    sub: claims.sub,
    client_id: claims.client_id,
    ...(typeof claims.gid === 'string' ? { gid: claims.gid } : {}),
  });
  if (!actor) throw invalid();
  return actor;
}
