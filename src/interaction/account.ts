import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { formParams } from '../http/params.js';
import { html, redirect } from '../http/respond.js';
import { accountView, revokeOwnGrant, unlinkOwnIdentity } from '../operations/account.js';
import { renderAccount } from '../pages/account.js';
import { PATHS } from '../paths.js';
import {
  type ActiveSession,
  assertSameOrigin,
  assertSessionCsrf,
  readSession,
  sessionCsrf,
} from './browser-session.js';
import { noticeFor, pageFrame } from './pages-common.js';
import { signInReturningTo } from './return-to.js';
import { requestVerificationEmail } from './verify-email.js';

/**
 * `{issuer}/account`: the signed-in user's own page (operations/account.ts). Without a browser session
 * it sends the person to sign in and back. Every POST is refused from another site (Origin /
 * Sec-Fetch-Site) and without the session's CSRF token, like the dashboard; every action acts only on
 * the signed-in user's own grants and identities. Actions answer 303 back to the page (POST/redirect/GET).
 */

const NOTICES: Record<string, string> = {
  revoked: 'Access revoked. The application has to ask again.',
  unlinked: 'The linked account was removed.',
  sent: 'If your address still needs verifying, we sent it a link.',
};

async function page(ctx: Context, req: RequestInfo, active: ActiveSession, error?: string, status = 200) {
  const base = ctx.config.issuerPath;
  const done = req.url.searchParams.get('done');
  return html(
    renderAccount({
      basePath: base,
      frame: pageFrame(ctx),
      action: base + PATHS.account,
      csrf: sessionCsrf(ctx, active.session),
      account: await accountView(ctx, active.user),
      notice: noticeFor(NOTICES, done),
      error,
      signOutHref: base + PATHS.endSession,
    }),
    { status, headers: { 'cache-control': 'no-store' } },
  );
}

export async function handleAccountPage(ctx: Context, req: RequestInfo): Promise<Response> {
  const active = await readSession(ctx, req);
  if (!active) return redirect(signInReturningTo(ctx, req.url), 302);
  return page(ctx, req, active);
}

export async function handleAccountSubmit(ctx: Context, req: RequestInfo): Promise<Response> {
  assertSameOrigin(ctx, req);
  const active = await readSession(ctx, req);
  if (!active) return redirect(signInReturningTo(ctx, req.url), 303);
  const params = await formParams(req.request);
  assertSessionCsrf(ctx, active.session, params.get('csrf'));
  const back = (done: string) => redirect(`${ctx.config.issuerPath}${PATHS.account}?done=${done}`, 303);
  switch (params.get('action')) {
    case 'revoke-grant':
      await revokeOwnGrant(ctx, active.user.id, params.get('grant') ?? '');
      return back('revoked');
    case 'unlink':
      try {
        await unlinkOwnIdentity(ctx, active.user, {
          issuer: params.get('issuer') ?? '',
          subject: params.get('subject') ?? '',
        });
      } catch (error) {
        if (error instanceof OAuthError && error.error === 'invalid_request')
          return page(ctx, req, active, error.description, 400);
        throw error;
      }
      return back('unlinked');
    case 'send-verification': {
      if (!ctx.config.mailer) throw new OAuthError('invalid_request', 'Email verification is not available.');
      const result = await requestVerificationEmail(ctx, req, active.user.email);
      if (!result.allowed) {
        ctx.metrics.throttled('email_verification');
        return page(ctx, req, active, 'Too many verification emails were requested. Try again later.', 429);
      }
      return back('sent');
    }
    default:
      throw new OAuthError('invalid_request', 'Unknown action.');
  }
}
