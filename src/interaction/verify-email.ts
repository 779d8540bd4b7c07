import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { rateLimitKey } from '../http/client-ip.js';
import { formParams } from '../http/params.js';
import { html } from '../http/respond.js';
import {
  checkEmailVerification,
  completeEmailVerification,
  sendVerificationEmail,
} from '../operations/email-verification.js';
import {
  renderEmailVerified,
  renderVerifyEmailConfirm,
  renderVerifyEmailPending,
  renderVerifyEmailRequest,
  renderVerifyEmailSent,
} from '../pages/verify-email.js';
import { PATHS } from '../paths.js';
import type { UserRecord } from '../store/types.js';
import { hmac } from '../tokens/crypto.js';
import { isEmailAddress, normaliseEmail } from '../users.js';
import { assertPreSessionCsrf, assertSameOrigin, readSession, startSession } from './browser-session.js';
import { errorPage, type FormPageModel, formPage, pageFrame } from './pages-common.js';

/**
 * E-mail verification pages (issue 16). `GET /verify-email?token=ghv_…` shows a button; the POST uses
 * the token (once) and marks the address verified. `GET /verify-email` asks for an address and
 * `POST /verify-email/send` mails a link to it, answering the same page whether or not an account
 * needs one (no enumeration), throttled per client IP and per address like "Forgot password?"
 * (`emailVerification` options). A sign-in that needs a verified address (`requireVerifiedEmail`)
 * stops at verificationRequired's page, whose resend button posts to the same throttled send.
 */

const INVALID = new OAuthError(
  'invalid_grant',
  'This verification link is not valid or has expired. Sign in and ask for a new one.',
);

function loginHref(ctx: Context, interaction: string | undefined): string {
  const query = interaction ? `?interaction=${encodeURIComponent(interaction)}` : '';
  return `${ctx.config.issuerPath}${PATHS.login}${query}`;
}

function requestPage(ctx: Context, req: RequestInfo, m: FormPageModel, pending = false): Response {
  return formPage(ctx, req, m, (common) => {
    const model = {
      ...common,
      action: common.basePath + PATHS.verifyEmailSend,
      available: ctx.config.mailer !== undefined,
      loginHref: loginHref(ctx, m.interaction),
    };
    return pending ? renderVerifyEmailPending(model) : renderVerifyEmailRequest(model);
  });
}

/** The "Verify your email" page a sign-in (or sign-up) stops at while the address is unverified. */
export function verificationRequired(
  ctx: Context,
  req: RequestInfo,
  user: UserRecord,
  interaction: string | undefined,
): Response {
  return requestPage(ctx, req, { interaction, email: user.email }, true);
}

export type VerificationRequest =
  | { allowed: true }
  | { allowed: false; retryAfter: number; scope: 'ip' | 'account' };

/**
 * Asks for a verification mail to `email` on behalf of the client at `req` (the hosted pages and the
 * headless API): throttled per client IP and per address; when allowed, a link is mailed only if an
 * active, unverified user has that address, after the caller has answered, so neither the answer nor
 * its timing tells whether one does.
 */
export async function requestVerificationEmail(
  ctx: Context,
  req: RequestInfo,
  email: string,
): Promise<VerificationRequest> {
  const { maxRequestsPerIp, maxRequestsPerAccount, windowMs } = ctx.config.emailVerification;
  const at = ctx.now();
  const ip = await ctx.store.hitRateLimit(
    `verify:ip:${rateLimitKey(req.ip)}`,
    maxRequestsPerIp,
    windowMs,
    at,
  );
  if (!ip.allowed) return { allowed: false, retryAfter: ip.retryAfter, scope: 'ip' };
  const account = hmac(ctx.secrets.state, `email verification account\n${email}`).slice(0, 22);
  const perAccount = await ctx.store.hitRateLimit(
    `verify:account:${account}`,
    maxRequestsPerAccount,
    windowMs,
    at,
  );
  if (!perAccount.allowed) return { allowed: false, retryAfter: perAccount.retryAfter, scope: 'account' };
  const user = await ctx.store.getUserByEmail(email);
  if (user)
    void sendVerificationEmail(ctx, user, 'self-service').catch((error: unknown) =>
      ctx.log.error({ err: error }, 'verification mail not sent'),
    );
  await ctx.auditAnonymous({ type: 'email_verification.requested', detail: {} }, req);
  return { allowed: true };
}

export async function handleVerifyEmailPage(ctx: Context, req: RequestInfo): Promise<Response> {
  const token = req.url.searchParams.get('token');
  if (token === null)
    return requestPage(ctx, req, { interaction: req.url.searchParams.get('interaction') ?? undefined });
  const user = await checkEmailVerification(ctx, token);
  if (!user) return errorPage(ctx, INVALID);
  return formPage(ctx, req, {}, (common) =>
    renderVerifyEmailConfirm({
      basePath: common.basePath,
      frame: common.frame,
      action: common.basePath + PATHS.verifyEmail,
      csrf: common.csrf,
      token,
      email: user.email,
    }),
  );
}

export async function handleVerifyEmailSubmit(ctx: Context, req: RequestInfo): Promise<Response> {
  assertSameOrigin(ctx, req);
  const params = await formParams(req.request);
  assertPreSessionCsrf(ctx, req, params.get('csrf'));
  const token = params.get('token') ?? '';
  const owner = await checkEmailVerification(ctx, token);
  if (!owner) return errorPage(ctx, INVALID);
  const signedIn = await readSession(ctx, req);
  const own = signedIn?.user.id === owner.id ? signedIn.session : undefined;
  let user: UserRecord;
  try {
    ({ user } = await completeEmailVerification(ctx, token, own?.id));
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, INVALID);
    throw error;
  }
  const base = ctx.config.issuerPath;
  const response = html(
    renderEmailVerified({
      basePath: base,
      frame: pageFrame(ctx),
      email: user.email,
      next: own
        ? { href: base + PATHS.account, label: 'Go to your account' }
        : { href: base + PATHS.login, label: 'Sign in' },
      ...(own ? {} : { forgotHref: base + PATHS.forgotPassword }),
    }),
  );
  // Every session was ended; the verifier's own browser gets a fresh one.
  if (own) response.headers.append('set-cookie', (await startSession(ctx, user)).cookie);
  return response;
}

export async function handleVerifyEmailSend(ctx: Context, req: RequestInfo): Promise<Response> {
  assertSameOrigin(ctx, req);
  const params = await formParams(req.request);
  assertPreSessionCsrf(ctx, req, params.get('csrf'));
  const interaction = params.get('interaction') ?? undefined;
  if (!ctx.config.mailer) return requestPage(ctx, req, { interaction, status: 404 });
  const email = normaliseEmail(params.get('email') ?? '');
  if (!isEmailAddress(email))
    return requestPage(ctx, req, { interaction, email, error: 'Enter a valid email address.', status: 400 });
  const result = await requestVerificationEmail(ctx, req, email);
  if (!result.allowed) {
    ctx.metrics.throttled('email_verification');
    await ctx.auditAnonymous({ type: 'email_verification.throttled', detail: { scope: result.scope } }, req, {
      throttled: true,
    });
    return requestPage(ctx, req, {
      interaction,
      email,
      error: 'Too many verification emails were requested. Try again later.',
      status: 429,
      headers: { 'retry-after': String(result.retryAfter) },
    });
  }
  return html(
    renderVerifyEmailSent({
      basePath: ctx.config.issuerPath,
      frame: pageFrame(ctx),
      loginHref: loginHref(ctx, interaction),
    }),
  );
}
