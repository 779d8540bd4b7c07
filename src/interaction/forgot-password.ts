import type { Context, RequestInfo } from '../context.js';
import { rateLimitKey } from '../http/client-ip.js';
import { formParams } from '../http/params.js';
import { html } from '../http/respond.js';
import { sendPasswordReset } from '../operations/users.js';
import { renderForgotPassword, renderForgotPasswordSent } from '../pages/forgot-password.js';
import { PATHS } from '../paths.js';
import { hmac } from '../tokens/crypto.js';
import { isEmailAddress, normaliseEmail } from '../users.js';
import { assertPreSessionCsrf, assertSameOrigin } from './browser-session.js';
import { type FormPageModel, formPage, pageFrame } from './pages-common.js';

/**
 * Self-service password reset (DESIGN §5 "Forgot password?"). The POST answers the same page whether
 * or not the address has an account (OWASP Forgot Password Cheat Sheet: no user enumeration); the
 * link goes only to an existing, enabled user, only through the configured mailer, issued by the one
 * reset-token issuance (sendPasswordReset). Requests are throttled per client IP and per account
 * (HMAC of the e-mail, so the counters hold no addresses), so the page can neither mail-bomb a user
 * nor be used to probe accounts faster than the sign-in page. The limits are `passwordReset` options.
 */

function loginHref(ctx: Context, interaction: string | undefined): string {
  const query = interaction ? `?interaction=${encodeURIComponent(interaction)}` : '';
  return `${ctx.config.issuerPath}${PATHS.login}${query}`;
}

function forgotPage(ctx: Context, req: RequestInfo, m: FormPageModel): Response {
  return formPage(ctx, req, m, (common) =>
    renderForgotPassword({
      ...common,
      action: common.basePath + PATHS.forgotPassword,
      available: ctx.config.mailer !== undefined,
      loginHref: loginHref(ctx, m.interaction),
    }),
  );
}

export async function handleForgotPasswordPage(ctx: Context, req: RequestInfo): Promise<Response> {
  return forgotPage(ctx, req, { interaction: req.url.searchParams.get('interaction') ?? undefined });
}

export async function handleForgotPasswordSubmit(ctx: Context, req: RequestInfo): Promise<Response> {
  assertSameOrigin(ctx, req);
  const params = await formParams(req.request);
  assertPreSessionCsrf(ctx, req, params.get('csrf'));
  const interaction = params.get('interaction') ?? undefined;
  if (!ctx.config.mailer) return forgotPage(ctx, req, { interaction, status: 404 });
  const email = normaliseEmail(params.get('email') ?? '');
  if (!isEmailAddress(email))
    return forgotPage(ctx, req, { interaction, email, error: 'Enter a valid email address.', status: 400 });
  const at = ctx.now();
  const throttled = (retryAfter: number, scope: string) => {
    ctx.metrics.throttled('password_reset');
    return ctx
      .auditAnonymous({ type: 'password_reset.throttled', detail: { scope } }, req, { throttled: true })
      .then(() =>
        forgotPage(ctx, req, {
          interaction,
          email,
          error: 'Too many reset requests. Try again later.',
          status: 429,
          headers: { 'retry-after': String(retryAfter) },
        }),
      );
  };
  const ip = await ctx.store.hitRateLimit(
    `forgot:ip:${rateLimitKey(req.ip)}`,
    ctx.config.passwordReset.maxRequestsPerIp,
    ctx.config.passwordReset.windowMs,
    at,
  );
  if (!ip.allowed) return throttled(ip.retryAfter, 'ip');
  const account = hmac(ctx.secrets.state, `password reset account\n${email}`).slice(0, 22);
  const perAccount = await ctx.store.hitRateLimit(
    `forgot:account:${account}`,
    ctx.config.passwordReset.maxRequestsPerAccount,
    ctx.config.passwordReset.windowMs,
    at,
  );
  if (!perAccount.allowed) return throttled(perAccount.retryAfter, 'account');
  const user = await ctx.store.getUserByEmail(email);
  // Sent after the answer, so its time (a database write, the mailer) does not tell known addresses
  // from unknown ones (OWASP Forgot Password Cheat Sheet, "consistent response time").
  if (user && user.disabledAt === null)
    void sendPasswordReset(ctx, user, 'self-service', 'possibly you').catch((error: unknown) =>
      ctx.log.error({ err: error }, 'password reset mail not sent'),
    );
  await ctx.auditAnonymous({ type: 'password_reset.requested', detail: {} }, req);
  return html(
    renderForgotPasswordSent({
      basePath: ctx.config.issuerPath,
      frame: pageFrame(ctx),
      loginHref: loginHref(ctx, interaction),
    }),
  );
}
