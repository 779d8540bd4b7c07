import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { openInteraction } from '../grants/authorization-request.js';
import { redirect } from '../http/respond.js';
import { reverifyClient } from '../lanes/index.js';
import type { ClientRecord } from '../store/types.js';
import { signedInFormPost } from './browser-session.js';
import { decideConsent, parseDecision } from './consent-decision.js';
import { errorPage } from './pages-common.js';

/**
 * POST /consent: the user's Allow or Deny. CSRF-protected (a token bound to the sign-in session, and
 * the Origin check); the client and redirect URI are verified again before redirecting; 303 after POST.
 * @see OAuth 2.1 §4.1.2.1 (access_denied), §7.9; RFC 9700 §4.16
 */
export async function handleConsentSubmit(ctx: Context, req: RequestInfo): Promise<Response> {
  const { params, active } = await signedInFormPost(ctx, req);
  const sealed = params.get('interaction');
  const { request } = openInteraction(ctx, sealed);
  let client: ClientRecord;
  try {
    client = await reverifyClient(ctx, request.client_id, request.redirect_uri, req.ip);
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error);
    throw error;
  }
  const decision = parseDecision(params.get('decision'));
  const location = await decideConsent(ctx, req, { interaction: sealed!, request, client, active, decision });
  return redirect(location, 303);
}
