import type { Context } from '../context.js';
import type { OAuthError } from '../errors.js';
import {
  type AuthorizationRequest,
  errorRedirectLocation,
  sealInteraction,
} from '../grants/authorization-request.js';
import { html, redirect } from '../http/respond.js';
import type { ActiveSession } from '../interaction/browser-session.js';
import { pageFrame } from '../interaction/pages-common.js';
import { renderError } from '../pages/error.js';
import { PATHS } from '../paths.js';
import type { ClientRecord } from '../store/types.js';

/**
 * Where an authorization error goes once the redirect URI is verified. The standard answer is a
 * redirect to the client with `error`, `state` and `iss` (OAuth 2.1 §4.1.2.1; OIDC Core §3.1.2.6 for
 * prompt=none's login_required, consent_required, interaction_required, account_selection_required).
 *
 * But a redirect made before anyone has signed in turns Gatehouse's domain into an open redirector to
 * any URI the requester controls (RFC 9700 §4.11.2; OAuth 2.1 §7.12.2: "only redirect the user agent
 * after the user has authenticated"). A preregistered client's redirect URIs were set by an
 * administrator; a DCR client registered itself and a CIMD client's document is published by whoever
 * holds its host, so anyone can make one redirect anywhere. For those, before sign-in, the error is
 * shown on Gatehouse's own page, with a link that signs the user in and then redirects the error.
 */
export function mayRedirectBeforeSignIn(client: Pick<ClientRecord, 'source'>): boolean {
  return client.source === 'preregistered';
}

export function answerAuthorizationError(
  ctx: Context,
  request: AuthorizationRequest,
  client: ClientRecord,
  error: OAuthError,
  active: ActiveSession | undefined,
  method: 302 | 303,
): Response {
  if (active || mayRedirectBeforeSignIn(client))
    return redirect(errorRedirectLocation(ctx, request, error), method);
  const sealed = sealInteraction(ctx, request, { pendingError: error });
  const why =
    client.source === 'cimd'
      ? `This application is identified by its web address (${hostOf(client.client_id)}), so Gatehouse does not send you back to it before you sign in.`
      : 'This application registered itself with Gatehouse, so Gatehouse does not send you back to it before you sign in.';
  const what =
    error.error === 'login_required'
      ? 'The application asked to continue only if you were already signed in, and you are not.'
      : `The application's request could not be completed: ${error.description}.`;
  return html(
    renderError({
      basePath: ctx.config.issuerPath,
      frame: pageFrame(ctx),
      title: error.error === 'login_required' ? 'Sign-in required' : 'Request not completed',
      message: `${what} ${why}`,
      code: error.error,
      next: {
        href: `${ctx.config.issuerPath}${PATHS.login}?interaction=${encodeURIComponent(sealed)}`,
        label: 'Sign in and return to the application',
      },
    }),
    { status: 400 },
  );
}

function hostOf(uri: string): string {
  try {
    return new URL(uri).host;
  } catch {
    return uri;
  }
}
