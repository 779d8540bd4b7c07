import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { formParams } from '../http/params.js';
import { html } from '../http/respond.js';
import { checkPasswordReset, completePasswordReset } from '../operations/users.js';
import { renderMessage } from '../pages/error.js';
import { renderResetPassword } from '../pages/reset-password.js';
import { PATHS } from '../paths.js';
import { assertPreSessionCsrf, assertSameOrigin } from './browser-session.js';
import { errorPage, formPage, pageFrame } from './pages-common.js';

/**
 * The hosted password-reset page that the mailer's link opens (`?token=ghp_…`). GET checks the token
 * without using it; POST (CSRF-protected) sets the password and consumes the token exactly once.
 * Pages are no-store and no-referrer, so the token in the URL leaks neither to caches nor to links.
 */
const INVALID = new OAuthError(
  'invalid_grant',
  'This reset link is not valid or has expired. Request a new one from the sign-in page (Forgot password?).',
);

function form(ctx: Context, req: RequestInfo, token: string, email: string, error?: string, status = 200) {
  return formPage(ctx, req, { email, error, status }, (common) =>
    renderResetPassword({ ...common, action: common.basePath + PATHS.resetPassword, token, email }),
  );
}

export async function handleResetPasswordPage(ctx: Context, req: RequestInfo): Promise<Response> {
  const token = req.url.searchParams.get('token') ?? '';
  const user = await checkPasswordReset(ctx, token);
  if (!user) return errorPage(ctx, INVALID);
  return form(ctx, req, token, user.email);
}

export async function handleResetPasswordSubmit(ctx: Context, req: RequestInfo): Promise<Response> {
  assertSameOrigin(ctx, req);
  const params = await formParams(req.request);
  assertPreSessionCsrf(ctx, req, params.get('csrf'));
  const token = params.get('token') ?? '';
  const user = await checkPasswordReset(ctx, token);
  if (!user) return errorPage(ctx, INVALID);
  try {
    await completePasswordReset(ctx, token, params.get('password') ?? '');
  } catch (error) {
    if (error instanceof OAuthError && error.error === 'invalid_request')
      return form(ctx, req, token, user.email, error.description, 400);
    if (error instanceof OAuthError) return errorPage(ctx, INVALID);
    throw error;
  }
  return html(
    renderMessage({
      basePath: ctx.config.issuerPath,
      frame: pageFrame(ctx),
      title: 'Password changed',
      message:
        'Your password has been changed and you have been signed out everywhere. Sign in with the new password.',
    }),
  );
}
