import type { Context, RequestInfo } from '../context.js';
import { rateLimitKey } from '../http/client-ip.js';
import { sendVerificationEmail } from '../operations/email-verification.js';
import type { BrowserSessionRecord, UserRecord } from '../store/types.js';
import { UniqueViolation } from '../store/types.js';
import { checkNewCredentials, createUser, verifyCredentials } from '../users.js';
import { startSession } from './browser-session.js';
import { admitSignIn } from './login-throttle.js';

/**
 * Password sign-in and self-service sign-up, one implementation for every way in: the hosted pages
 * (login.ts) and the headless API (headless-actions.ts). Each says what happened; the caller only
 * renders it (a page or JSON). Throttling is login-throttle.ts and `signupThrottle`, counted in the
 * database, so failures through either way count toward the same limits.
 */

export interface SignedIn {
  ok: true;
  user: UserRecord;
  session: BrowserSessionRecord;
  /** The session's Set-Cookie header value. */
  cookie: string;
}

export type PasswordSignIn =
  | SignedIn
  | { ok: false; reason: 'throttled'; retryAfter: number; scope: 'ip' | 'account' }
  | { ok: false; reason: 'invalid' }
  /** The password was right but `requireVerifiedEmail` holds and the address is not verified: no session. */
  | { ok: false; reason: 'unverified'; user: UserRecord };

/** Checks `email` and `password` under the sign-in throttle; on success starts a session. */
export async function signInWithPassword(
  ctx: Context,
  req: RequestInfo,
  email: string,
  password: string,
): Promise<PasswordSignIn> {
  const admission = await admitSignIn(ctx, req, email);
  if (!admission.allowed) {
    ctx.metrics.throttled('sign_in');
    // A throttled attempt only counts into an aggregate row (src/audit/flood.ts).
    await ctx.auditAnonymous({ type: 'login.throttled', detail: { scope: admission.scope } }, req, {
      throttled: true,
    });
    return { ok: false, reason: 'throttled', retryAfter: admission.retryAfter, scope: admission.scope };
  }
  const user = email && password ? await verifyCredentials(ctx.store, email, password) : undefined;
  await admission.settle(user !== undefined);
  if (!user) {
    await ctx.auditAnonymous({ type: 'login.failed', detail: {} }, req);
    return { ok: false, reason: 'invalid' };
  }
  if (ctx.config.requireVerifiedEmail && !user.emailVerified) {
    await ctx.audit({ type: 'login.unverified_email', userId: user.id }, req);
    return { ok: false, reason: 'unverified', user };
  }
  const { cookie, session } = await startSession(ctx, user);
  await ctx.audit({ type: 'login.succeeded', userId: user.id }, req);
  return { ok: true, user, session, cookie };
}

export type AccountCreation =
  | SignedIn
  | { ok: false; reason: 'throttled'; retryAfter: number }
  | { ok: false; reason: 'invalid'; problem: string }
  | { ok: false; reason: 'exists' }
  /** Created, and a verification mail sent, but `requireVerifiedEmail` holds: no session yet. */
  | { ok: false; reason: 'unverified'; user: UserRecord };

/**
 * Creates an account under the per-IP sign-up throttle, mails it a verification link (when a mailer
 * is configured) and signs it in, unless `requireVerifiedEmail` holds. The caller checks that sign-up
 * is enabled (`signup: true`).
 */
export async function createAccount(
  ctx: Context,
  req: RequestInfo,
  email: string,
  password: string,
): Promise<AccountCreation> {
  const { maxSignupsPerIp, windowMs } = ctx.config.signupThrottle;
  const limit = await ctx.store.hitRateLimit(
    `signup:ip:${rateLimitKey(req.ip)}`,
    maxSignupsPerIp,
    windowMs,
    ctx.now(),
  );
  if (!limit.allowed) {
    ctx.metrics.throttled('sign_up');
    return { ok: false, reason: 'throttled', retryAfter: limit.retryAfter };
  }
  const problem = checkNewCredentials(email, password);
  if (problem) return { ok: false, reason: 'invalid', problem };
  let user: UserRecord;
  try {
    user = await createUser(ctx.store, { email, password }, ctx.now());
  } catch (error) {
    if (!(error instanceof UniqueViolation)) throw error;
    return { ok: false, reason: 'exists' };
  }
  await ctx.audit({ type: 'user.signed_up', userId: user.id }, req);
  // After the answer is decided; a slow relay does not hold the request (logged when it fails).
  if (ctx.config.mailer)
    void sendVerificationEmail(ctx, user, 'sign-up').catch((error: unknown) =>
      ctx.log.error({ err: error }, 'verification mail not sent'),
    );
  if (ctx.config.requireVerifiedEmail) return { ok: false, reason: 'unverified', user };
  const { cookie, session } = await startSession(ctx, user);
  return { ok: true, user, session, cookie };
}
