import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { issueAuthorizationCode } from '../grants/authorization-code.js';
import { errorRedirectLocation, openInteraction } from '../grants/authorization-request.js';
import { formParams } from '../http/params.js';
import { redirect } from '../http/respond.js';
import { reverifyClient } from '../lanes/index.js';
import type { ClientRecord } from '../store/types.js';
import { assertSameOrigin, assertSessionCsrf, readSession } from './browser-session.js';
import { errorPage } from './pages-common.js';

/**
 * POST /consent: the user's Allow or Deny. CSRF-protected (a token bound to the sign-in session, and
 * the Origin check); the client and redirect URI are verified again before redirecting; 303 after POST.
 * @see OAuth 2.1 §4.1.2.1 (access_denied), §7.9; RFC 9700 §4.16
 */
export async function handleConsentSubmit(ctx: Context, req: RequestInfo): Promise<Response> {
  assertSameOrigin(ctx, req);
  const params = await formParams(req.request);
  const active = await readSession(ctx, req);
  if (!active)
    throw new OAuthError(
      'forbidden',
      'You are not signed in any more. Return to the application and start again.',
    );
  assertSessionCsrf(ctx, active.session, params.get('csrf'));
  const { request } = openInteraction(ctx, params.get('interaction'));
  let client: ClientRecord;
  try {
    client = await reverifyClient(ctx, request.client_id, request.redirect_uri, req.ip);
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error);
    throw error;
  }
  const decision = params.get('decision');
  if (decision === 'deny') {
    await ctx.audit({ type: 'consent.denied', clientId: client.client_id, userId: active.user.id }, req);
    const denied = new OAuthError('access_denied', 'the user denied the request');
    return redirect(errorRedirectLocation(ctx, request, denied), 303);
  }
  if (decision !== 'allow') throw new OAuthError('invalid_request', 'Choose Allow or Deny.');
  const existing = await ctx.store.getConsent(active.user.id, client.client_id, request.resource);
  const scopes = new Set(request.scope);
  if (existing && existing.redirectUri === request.redirect_uri)
    for (const s of existing.scope.split(' ')) if (s) scopes.add(s);
  await ctx.store.saveConsent({
    userId: active.user.id,
    clientId: client.client_id,
    resource: request.resource,
    scope: [...scopes].join(' '),
    redirectUri: request.redirect_uri,
    createdAt: ctx.now(),
  });
  const location = await issueAuthorizationCode(ctx, request, active);
  await ctx.audit(
    {
      type: 'consent.granted',
      clientId: client.client_id,
      userId: active.user.id,
      detail: { scope: request.scope.join(' '), resource: request.resource },
    },
    req,
  );
  return redirect(location, 303);
}
