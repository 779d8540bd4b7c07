import type { Context, RequestInfo } from '../context.js';
import { sanitiseDisplayName } from '../display-name.js';
import { OAuthError } from '../errors.js';
import { issueAuthorizationCode } from '../grants/authorization-code.js';
import {
  type AuthorizationRequest,
  buildRedirect,
  errorRedirectLocation,
  type InteractionOptions,
  openInteraction,
  sealInteraction,
} from '../grants/authorization-request.js';
import { formParams, type Params, queryParams } from '../http/params.js';
import { html, redirect } from '../http/respond.js';
import { type ActiveSession, readSession, sessionCsrf } from '../interaction/browser-session.js';
import { presentClient } from '../interaction/client-presentation.js';
import { describeRequestedAccess, needsConsent } from '../interaction/consent-decision.js';
import { headlessLoginUrl } from '../interaction/headless.js';
import { organizationPickerPage, resolveOrganization } from '../interaction/organization.js';
import { errorPage, pageFrame } from '../interaction/pages-common.js';
import { reverifyClient } from '../lanes/index.js';
import { renderConsent } from '../pages/consent.js';
import { PATHS } from '../paths.js';
import type { ClientRecord } from '../store/types.js';
import { validateAuthorizationRequest } from './authorize-checks.js';
import { answerAuthorizationError } from './authorize-errors.js';

/**
 * The authorization endpoint (OAuth 2.1 §4.1.1). GET and POST. Validation is an ordered list of checks
 * (authorize-checks.ts); then the user signs in, consents if needed, and the code is redirected back
 * with `state` and `iss` (RFC 9207). No CORS here (OAuth 2.1 §3.1).
 */
export async function handleAuthorize(ctx: Context, req: RequestInfo): Promise<Response> {
  let params: Params;
  try {
    params = req.request.method === 'POST' ? await formParams(req.request) : queryParams(req.url);
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error);
    throw error;
  }
  const result = await validateAuthorizationRequest(ctx, params, req.ip);
  if (!result.ok) {
    // Anyone can cause this: capped and bounded under flood (src/audit/flood.ts).
    await ctx.auditAnonymous(
      {
        type: 'authorize.rejected',
        clientId: params.all('client_id')[0] ?? null,
        detail: { error: result.error.error, reason: result.error.description },
      },
      req,
    );
    if (result.redirect) {
      // OAuth 2.1 §7.12.2 / RFC 9700 §4.11.2: the user authenticates before any error redirect, so an
      // attacker cannot use the endpoint as an open redirector without a victim signing in.
      const active = await readSession(ctx, req);
      if (!active) {
        return redirectToLogin(ctx, result.redirect, { pendingError: result.error });
      }
      return redirect(errorRedirectLocation(ctx, result.redirect, result.error));
    }
    return errorPage(ctx, result.error);
  }
  // OIDC Core §3.1.2.1: prompt=login asks for a sign-in now; max_age for one within that many seconds.
  const { prompt, max_age } = result.request;
  const loginAfter = prompt.includes('login')
    ? ctx.now()
    : max_age !== undefined
      ? ctx.now() - max_age * 1000
      : undefined;
  return proceed(ctx, req, result.request, result.client, { loginAfter, method: 302 });
}

/** GET /authorize/resume: back from the sign-in page with the sealed request. */
export async function handleResume(ctx: Context, req: RequestInfo): Promise<Response> {
  try {
    const { request, loginAfter, pendingError } = openInteraction(
      ctx,
      req.url.searchParams.get('interaction') ?? undefined,
    );
    if (pendingError) {
      // The user must be signed in before the error goes back (OAuth 2.1 §7.12.2), and the client and
      // its redirect URI are checked again: either may have changed while the user was signing in.
      if (!(await readSession(ctx, req)))
        return redirectToLogin(ctx, request, {
          pendingError: new OAuthError(pendingError.error as never, pendingError.description),
        });
      await reverifyClient(ctx, request.client_id, request.redirect_uri, req.ip);
      return redirect(
        buildRedirect(request.redirect_uri, {
          error: pendingError.error,
          error_description: pendingError.description,
          state: request.state,
          iss: ctx.config.issuer,
        }),
      );
    }
    const client = await reverifyClient(ctx, request.client_id, request.redirect_uri, req.ip);
    return await proceed(ctx, req, request, client, { loginAfter, method: 302, resumed: true });
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error);
    throw error;
  }
}

interface ProceedOptions {
  loginAfter: number | undefined;
  method: 302 | 303;
  resumed?: boolean;
}

async function proceed(
  ctx: Context,
  req: RequestInfo,
  request: AuthorizationRequest,
  client: ClientRecord,
  options: ProceedOptions,
): Promise<Response> {
  const active = await readSession(ctx, req);
  const needsLogin =
    !active || (options.loginAfter !== undefined && active.session.authTime < options.loginAfter);
  if (needsLogin) {
    // OIDC Core §3.1.2.6: prompt=none must not show any page; the error is redirected (for a DCR or
    // CIMD client not before sign-in: authorize-errors.ts).
    if (request.prompt.includes('none')) {
      const error = new OAuthError('login_required', 'the user is not signed in');
      return answerAuthorizationError(ctx, request, client, error, undefined, options.method);
    }
    return redirectToLogin(ctx, request, { loginAfter: options.loginAfter });
  }
  // The organization the user acts in (interaction/organization.ts): settled, or asked for.
  const settled = await resolveOrganization(ctx, request, active.user);
  if (settled.kind === 'choose') {
    if (request.prompt.includes('none')) {
      const error = new OAuthError('interaction_required', 'the user must choose an organization');
      return answerAuthorizationError(ctx, request, client, error, active, options.method);
    }
    if (ctx.config.headless.enabled)
      return redirect(
        headlessLoginUrl(ctx, sealInteraction(ctx, request, { loginAfter: options.loginAfter })),
      );
    const name = presentClient(client, request.redirect_uri).clientName;
    return organizationPickerPage(ctx, request, name, active, settled.memberships, options.loginAfter);
  }
  request = settled.request;
  if (await needsConsent(ctx, request, client, active)) {
    if (request.prompt.includes('none')) {
      const error = new OAuthError('consent_required', 'the user has not approved this client');
      return answerAuthorizationError(ctx, request, client, error, active, options.method);
    }
    return consentPage(ctx, request, client, active);
  }
  const location = await issueAuthorizationCode(ctx, request, active);
  await ctx.audit(
    {
      type: 'authorize.approved',
      clientId: client.client_id,
      userId: active.user.id,
      detail: { scope: request.scope.join(' '), resource: request.resource, consent: 'remembered' },
    },
    req,
  );
  return redirect(location, options.method);
}

function redirectToLogin(
  ctx: Context,
  request: AuthorizationRequest | Pick<AuthorizationRequest, 'client_id' | 'redirect_uri' | 'state'>,
  options: InteractionOptions,
): Response {
  const full: AuthorizationRequest =
    'scope' in request
      ? request
      : { ...request, redirect_uri_explicit: true, scope: [], resource: '', prompt: [] };
  const sealed = sealInteraction(ctx, full, options);
  // Headless (docs/headless.md): the team's own page takes over, with the same sealed request.
  if (ctx.config.headless.enabled) return redirect(headlessLoginUrl(ctx, sealed));
  return redirect(`${ctx.config.issuerPath}${PATHS.login}?interaction=${encodeURIComponent(sealed)}`);
}

function consentPage(
  ctx: Context,
  request: AuthorizationRequest,
  client: ClientRecord,
  active: ActiveSession,
): Response {
  if (ctx.config.headless.enabled) return redirect(headlessLoginUrl(ctx, sealInteraction(ctx, request)));
  // The same presentation as the sign-in page: name, lane badge, hosts and warnings (client-presentation.ts).
  const body = renderConsent({
    ...presentClient(client, request.redirect_uri),
    ...describeRequestedAccess(ctx, request),
    basePath: ctx.config.issuerPath,
    frame: pageFrame(ctx),
    action: ctx.config.issuerPath + PATHS.consent,
    csrf: sessionCsrf(ctx, active.session),
    interaction: sealInteraction(ctx, request),
    logoUrl: client.metadata.logo
      ? `${ctx.config.issuerPath}${PATHS.clientLogo}?client_id=${encodeURIComponent(client.client_id)}`
      : undefined,
    userEmail: sanitiseDisplayName(active.user.email, 254),
  });
  return html(body, { formTargets: [request.redirect_uri] });
}
