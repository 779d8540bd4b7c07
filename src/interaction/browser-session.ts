import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { parseCookies, serializeCookie } from '../http/cookies.js';
import { formParams, type Params } from '../http/params.js';
import type { BrowserSessionRecord, UserRecord } from '../store/types.js';
import { hmac, randomToken, safeEqual } from '../tokens/crypto.js';
import { matchesSecret, mintOpaque, parseOpaque } from '../tokens/opaque.js';

/**
 * The hosted pages' sign-in session and CSRF protection.
 * - Session cookie: `ghs_id.secret`, HttpOnly, SameSite=Lax, `__Host-`/Secure on https; only the
 *   secret's hash is stored, so a database leak does not hand out sessions.
 * - CSRF: before sign-in, a double-submit token bound to a random cookie; after, a token bound to the
 *   session id. Every POST also refuses a foreign Origin (OAuth 2.1 §7.9 / RFC 9700 §4.4.1.8).
 */

export interface ActiveSession {
  session: BrowserSessionRecord;
  user: UserRecord;
}

export async function readSession(ctx: Context, req: RequestInfo): Promise<ActiveSession | undefined> {
  const raw = parseCookies(req.request.headers.get('cookie')).get(ctx.cookies.session);
  if (!raw) return undefined;
  const parsed = parseOpaque('ghs', raw);
  if (!parsed) return undefined;
  const session = await ctx.store.getBrowserSession(parsed.id);
  if (!session || !matchesSecret(parsed, session.secretHash)) return undefined;
  if (session.revokedAt !== null || session.expiresAt <= ctx.now()) return undefined;
  const user = await ctx.store.getUserById(session.userId);
  if (!user || user.disabledAt !== null) return undefined;
  return { session, user };
}

/** Starts a session for `user`; returns the Set-Cookie header value. */
export async function startSession(
  ctx: Context,
  user: UserRecord,
): Promise<{ cookie: string; session: BrowserSessionRecord }> {
  const credential = mintOpaque('ghs');
  const at = ctx.now();
  const session: BrowserSessionRecord = {
    id: credential.id,
    secretHash: credential.secretHash,
    userId: user.id,
    createdAt: at,
    authTime: at,
    expiresAt: at + ctx.config.sessions.ttl * 1000,
    revokedAt: null,
  };
  await ctx.store.createBrowserSession(session);
  const cookie = serializeCookie(ctx.cookies.session, credential.value, {
    secure: ctx.config.secureCookies,
    maxAge: ctx.config.sessions.ttl,
  });
  return { cookie, session };
}

export function clearSessionCookie(ctx: Context): string {
  return serializeCookie(ctx.cookies.session, '', { secure: ctx.config.secureCookies, maxAge: 0 });
}

/** The pre-session CSRF cookie value, and a Set-Cookie header when a new one had to be minted. */
export function preSessionCsrf(ctx: Context, req: RequestInfo): { token: string; setCookie?: string } {
  const existing = parseCookies(req.request.headers.get('cookie')).get(ctx.cookies.csrf);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing))
    return { token: hmac(ctx.secrets.csrf, `pre:${existing}`) };
  const value = randomToken(32);
  return {
    token: hmac(ctx.secrets.csrf, `pre:${value}`),
    setCookie: serializeCookie(ctx.cookies.csrf, value, { secure: ctx.config.secureCookies }),
  };
}

export function sessionCsrf(ctx: Context, session: BrowserSessionRecord): string {
  return hmac(ctx.secrets.csrf, `session:${session.id}`);
}

/** Refuses a state-changing request from another site (403), before anything else is looked at. */
export function assertSameOrigin(ctx: Context, req: RequestInfo): void {
  const origin = req.request.headers.get('origin');
  const fetchSite = req.request.headers.get('sec-fetch-site');
  // Under Referrer-Policy: no-referrer a browser sends `Origin: null` on the page's own POST; it is
  // believed only together with Sec-Fetch-Site: same-origin (the CSRF token is checked regardless).
  const sameOriginNull = origin === 'null' && fetchSite === 'same-origin';
  if (origin !== null && origin !== ctx.config.origin && !sameOriginNull) {
    throw new OAuthError('forbidden', 'This form was submitted from another site.', {
      detail: `origin ${origin}`,
    });
  }
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') {
    throw new OAuthError('forbidden', 'This form was submitted from another site.', {
      detail: 'sec-fetch-site',
    });
  }
}

export function assertPreSessionCsrf(ctx: Context, req: RequestInfo, presented: string | undefined): void {
  const cookie = parseCookies(req.request.headers.get('cookie')).get(ctx.cookies.csrf);
  if (!presented || !cookie || !safeEqual(hmac(ctx.secrets.csrf, `pre:${cookie}`), presented)) {
    throw new OAuthError(
      'forbidden',
      'The form expired or was not submitted from this site. Please try again.',
    );
  }
}

export function assertSessionCsrf(
  ctx: Context,
  session: BrowserSessionRecord,
  presented: string | undefined,
): void {
  if (!presented || !safeEqual(sessionCsrf(ctx, session), presented)) {
    throw new OAuthError(
      'forbidden',
      'The form expired or was not submitted from this site. Please try again.',
    );
  }
}

/**
 * A form POST of the signed-in person within an authorization request (consent, the organization
 * picker): same origin, a live session, and that session's CSRF token, or it is refused before
 * anything is read from it (RFC 9700 §4.7; OAuth 2.1 §7.9).
 */
export async function signedInFormPost(
  ctx: Context,
  req: RequestInfo,
): Promise<{ params: Params; active: ActiveSession }> {
  assertSameOrigin(ctx, req);
  const params = await formParams(req.request);
  const active = await readSession(ctx, req);
  if (!active)
    throw new OAuthError(
      'forbidden',
      'You are not signed in any more. Return to the application and start again.',
    );
  assertSessionCsrf(ctx, active.session, params.get('csrf'));
  return { params, active };
}
