import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { openInteraction } from '../grants/authorization-request.js';
import { formParams } from '../http/params.js';
import { redirect } from '../http/respond.js';
import { renderLogin } from '../pages/login.js';
import { renderSignup } from '../pages/signup.js';
import { PATHS } from '../paths.js';
import { isDatabaseUnavailable } from '../store/availability.js';
import { normaliseEmail } from '../users.js';
import { assertPreSessionCsrf, assertSameOrigin } from './browser-session.js';
import { type ClientPresentation, presentClient } from './client-presentation.js';
import { connectionButtons } from './connection-buttons.js';
import { createAccount, signInWithPassword } from './credentials.js';
import { homeRealmStart, NO_SSO_FOR_DOMAIN, singleSignOnOffered } from './home-realm.js';
import { errorPage, type FormPageModel, formPage } from './pages-common.js';
import { safeReturnTo } from './return-to.js';
import { verificationRequired } from './verify-email.js';

/**
 * The hosted sign-in and sign-up pages. Forms are CSRF-protected (double-submit token plus an Origin
 * check); a successful POST answers 303 (never 307: OAuth 2.1 §7.5.3) back to /authorize/resume.
 * Failed sign-ins are throttled per (account, network), per client IP and, softly, per account
 * (login-throttle.ts), with the counters in the database so they hold across instances.
 */

function continueUrl(ctx: Context, interaction: string | undefined, returnTo?: string): string {
  if (interaction)
    return `${ctx.config.issuerPath}${PATHS.resume}?interaction=${encodeURIComponent(interaction)}`;
  return safeReturnTo(ctx, returnTo) ?? ctx.config.issuerPath + PATHS.signedIn;
}

/** The client the person is signing in for, presented as on the consent page (client-presentation.ts). */
async function clientOf(
  ctx: Context,
  interaction: string | undefined,
): Promise<ClientPresentation | undefined> {
  if (!interaction) return undefined;
  try {
    const { request } = openInteraction(ctx, interaction);
    if (!request.client_id) return undefined;
    const client = await ctx.store.getClient(request.client_id);
    return client ? presentClient(client, request.redirect_uri) : undefined;
  } catch (error) {
    // The page can do without the client's name, not without the database (the router answers 503).
    if (isDatabaseUnavailable(error)) throw error;
    return undefined;
  }
}

export async function handleLoginPage(ctx: Context, req: RequestInfo): Promise<Response> {
  const interaction = req.url.searchParams.get('interaction') ?? undefined;
  const returnTo = safeReturnTo(ctx, req.url.searchParams.get('return_to') ?? undefined);
  return loginPage(ctx, req, { interaction, returnTo });
}

async function loginPage(ctx: Context, req: RequestInfo, m: FormPageModel): Promise<Response> {
  const sso = await singleSignOnOffered(ctx);
  const [client, connections] = await Promise.all([
    clientOf(ctx, m.interaction),
    connectionButtons(ctx, m.interaction),
  ]);
  return formPage(ctx, req, m, (common, query) =>
    renderLogin({
      ...common,
      action: common.basePath + PATHS.login,
      returnTo: m.returnTo,
      client,
      signupHref: ctx.config.signup ? `${common.basePath}${PATHS.signup}${query}` : undefined,
      forgotHref: `${common.basePath}${PATHS.forgotPassword}${query}`,
      sso,
      connections,
    }),
  );
}

export async function handleLoginSubmit(ctx: Context, req: RequestInfo): Promise<Response> {
  assertSameOrigin(ctx, req);
  const params = await formParams(req.request);
  assertPreSessionCsrf(ctx, req, params.get('csrf'));
  const interaction = params.get('interaction');
  const returnTo = safeReturnTo(ctx, params.get('return_to'));
  const email = normaliseEmail(params.get('email') ?? '');
  const password = params.get('password') ?? '';
  // Home-realm discovery, by the domain alone and before any account is looked up (home-realm.ts).
  const realm = await homeRealmStart(ctx, email, interaction);
  if (realm) return realm;
  if (params.get('sso') !== undefined)
    return loginPage(ctx, req, { interaction, returnTo, email, error: NO_SSO_FOR_DOMAIN, status: 400 });
  const outcome = await signInWithPassword(ctx, req, email, password);
  if (!outcome.ok && outcome.reason === 'throttled') {
    const minutes = Math.max(1, Math.ceil(outcome.retryAfter / 60));
    const from = outcome.scope === 'account' ? 'for this account from your network' : 'from your network';
    return loginPage(ctx, req, {
      interaction,
      returnTo,
      email,
      error: `Too many failed sign-in attempts ${from}. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      status: 429,
      headers: { 'retry-after': String(outcome.retryAfter) },
    });
  }
  if (!outcome.ok && outcome.reason === 'unverified')
    return verificationRequired(ctx, req, outcome.user, interaction ?? undefined);
  if (!outcome.ok) {
    return loginPage(ctx, req, {
      interaction,
      returnTo,
      email,
      error: 'The email or password is not correct.',
      status: 401,
    });
  }
  const { cookie } = outcome;
  return redirect(continueUrl(ctx, interaction, returnTo), 303, { 'set-cookie': cookie });
}

export async function handleSignupPage(ctx: Context, req: RequestInfo): Promise<Response> {
  if (!ctx.config.signup)
    return errorPage(ctx, new OAuthError('not_found', 'Sign-up is not available on this server.'));
  return signupPage(ctx, req, { interaction: req.url.searchParams.get('interaction') ?? undefined });
}

async function signupPage(ctx: Context, req: RequestInfo, m: FormPageModel): Promise<Response> {
  const client = await clientOf(ctx, m.interaction);
  return formPage(ctx, req, m, (common, query) =>
    renderSignup({
      ...common,
      action: common.basePath + PATHS.signup,
      client,
      loginHref: `${common.basePath}${PATHS.login}${query}`,
    }),
  );
}

export async function handleSignupSubmit(ctx: Context, req: RequestInfo): Promise<Response> {
  if (!ctx.config.signup)
    return errorPage(ctx, new OAuthError('not_found', 'Sign-up is not available on this server.'));
  assertSameOrigin(ctx, req);
  const params = await formParams(req.request);
  assertPreSessionCsrf(ctx, req, params.get('csrf'));
  const interaction = params.get('interaction');
  const email = normaliseEmail(params.get('email') ?? '');
  const password = params.get('password') ?? '';
  const outcome = await createAccount(ctx, req, email, password);
  if (!outcome.ok && outcome.reason === 'throttled') {
    return signupPage(ctx, req, {
      interaction,
      email,
      error: 'Too many accounts were created from here. Try again later.',
      status: 429,
      headers: { 'retry-after': String(outcome.retryAfter) },
    });
  }
  if (!outcome.ok && outcome.reason === 'invalid')
    return signupPage(ctx, req, { interaction, email, error: outcome.problem, status: 400 });
  if (!outcome.ok && outcome.reason === 'unverified')
    return verificationRequired(ctx, req, outcome.user, interaction ?? undefined);
  if (!outcome.ok) {
    return signupPage(ctx, req, {
      interaction,
      email,
      error: 'An account with this email already exists. Sign in instead.',
      status: 409,
    });
  }
  const { cookie } = outcome;
  return redirect(continueUrl(ctx, interaction), 303, { 'set-cookie': cookie });
}
