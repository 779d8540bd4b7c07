import type { Context, RequestInfo } from '../context.js';
import { buildRedirect } from '../grants/authorization-request.js';
import { formParams, type Params, queryParams } from '../http/params.js';
import { html, redirect } from '../http/respond.js';
import {
  assertSameOrigin,
  assertSessionCsrf,
  clearSessionCookie,
  readSession,
  sessionCsrf,
} from '../interaction/browser-session.js';
import { pageFrame } from '../interaction/pages-common.js';
import { renderMessage } from '../pages/error.js';
import { renderLogoutConfirm } from '../pages/logout.js';
import { PATHS } from '../paths.js';
import { verifyJwt } from '../tokens/jwt.js';

/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0). GET shows a confirmation (a link from
 * another site cannot end the session by itself); POST, CSRF-protected, ends it. The user is sent to
 * `post_logout_redirect_uri` only when it is registered, exactly, for the client named by `client_id`
 * or by the `id_token_hint`'s audience; otherwise a plain "signed out" page is shown.
 */
const FIELDS = ['client_id', 'post_logout_redirect_uri', 'state', 'id_token_hint'] as const;

export async function handleLogout(ctx: Context, req: RequestInfo): Promise<Response> {
  const isPost = req.request.method === 'POST';
  if (isPost) assertSameOrigin(ctx, req);
  const params = isPost ? await formParams(req.request) : queryParams(req.url);
  const fields = Object.fromEntries(FIELDS.map((f) => [f, params.get(f)]));
  const active = await readSession(ctx, req);
  if (active && !isPost) {
    const target = await postLogoutTarget(ctx, params);
    return html(
      renderLogoutConfirm({
        basePath: ctx.config.issuerPath,
        frame: pageFrame(ctx),
        action: ctx.config.issuerPath + PATHS.endSession,
        csrf: sessionCsrf(ctx, active.session),
        fields,
        email: active.user.email,
      }),
      { formTargets: target ? [target] : [] },
    );
  }
  const headers: Record<string, string> = {};
  if (active) {
    assertSessionCsrf(ctx, active.session, params.get('csrf'));
    await ctx.store.revokeBrowserSession(active.session.id, ctx.now());
    await ctx.audit({ type: 'logout', userId: active.user.id }, req);
  }
  headers['set-cookie'] = clearSessionCookie(ctx);
  const target = await postLogoutTarget(ctx, params, active !== undefined);
  if (target)
    return redirect(buildRedirect(target, { state: params.get('state') }), isPost ? 303 : 302, headers);
  return html(
    renderMessage({
      basePath: ctx.config.issuerPath,
      frame: pageFrame(ctx),
      title: 'Signed out',
      message: 'You are signed out.',
    }),
    { headers },
  );
}

async function postLogoutTarget(ctx: Context, params: Params, signedIn = true): Promise<string | undefined> {
  const uri = params.get('post_logout_redirect_uri');
  if (!uri) return undefined;
  let clientId = params.get('client_id');
  const hint = params.get('id_token_hint');
  if (hint) {
    const decoded = verifyJwt(hint, (kid) => ctx.keys.findKey(kid));
    const aud = decoded?.payload.aud;
    if (decoded?.payload.iss !== ctx.config.issuer || typeof aud !== 'string') return undefined;
    if (clientId !== undefined && clientId !== aud) return undefined;
    clientId = aud;
  }
  if (!clientId) return undefined;
  const client = await ctx.store.getClient(clientId);
  // RFC 9700 §4.11.2: without a session to end, a redirect is one anybody can trigger; only an
  // administrator-registered (preregistered) client's URI is followed then, never a self-registered one.
  if (!client || (!signedIn && client.source !== 'preregistered')) return undefined;
  return client.post_logout_redirect_uris.includes(uri) ? uri : undefined;
}
