import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { openInteraction } from '../grants/authorization-request.js';
import { reverifyClient } from '../lanes/index.js';
import { findConnection } from '../operations/connection-registry.js';
import { connectionPath } from '../paths.js';
import { safeEqual } from '../tokens/crypto.js';
import { isEmailAddress, normaliseEmail } from '../users.js';
import { assertPreSessionCsrf, assertSessionCsrf, readSession, sessionCsrf } from './browser-session.js';
import { decideConsent, parseDecision } from './consent-decision.js';
import { createAccount, type SignedIn, signInWithPassword } from './credentials.js';
import { CSRF_HEADER, headlessJson, readJsonBody, requiredMember, stringMember } from './headless-http.js';
import { interactionState, offeredConnections } from './headless-state.js';
import { homeRealmOf } from './home-realm.js';
import { recordOrganizationChoice, resolveOrganization } from './organization.js';

/**
 * The headless API's steps (docs/headless.md). Each one is the hosted page's rule called, not copied:
 * credentials.ts for sign-in and sign-up (so failures here and on /login count toward the same
 * throttles), consent-decision.ts for consent, connections/start.ts for upstream sign-in. Nothing here
 * mints a token: a code is issued only by the consent decision (as on the hosted consent page) or by
 * /authorize/resume, and it leaves only inside the client's redirect URI.
 */

type Body = Record<string, unknown>;

function csrfHeader(req: RequestInfo): string | undefined {
  return req.request.headers.get(CSRF_HEADER) ?? undefined;
}

/**
 * A sign-in step: JSON, a CSRF token, and a valid interaction. The token is the pre-session one
 * (bound to the CSRF cookie), or the current session's when someone is signed in already (switching
 * accounts): the state endpoint hands out whichever fits, and neither can be read by another origin.
 */
async function preSessionStep(ctx: Context, req: RequestInfo): Promise<{ body: Body; sealed: string }> {
  const body = await readJsonBody(req);
  const presented = csrfHeader(req);
  const active = await readSession(ctx, req);
  if (!active || presented === undefined || !safeEqual(sessionCsrf(ctx, active.session), presented))
    assertPreSessionCsrf(ctx, req, presented);
  const sealed = requiredMember(body, 'interaction');
  // A broken or expired request is refused before anything is counted or started.
  openInteraction(ctx, sealed);
  return { body, sealed };
}

/** A step after sign-in (organization, consent): JSON, a session in this browser, its CSRF token. */
async function signedInStep(
  ctx: Context,
  req: RequestInfo,
): Promise<{ body: Body; active: NonNullable<Awaited<ReturnType<typeof readSession>>> }> {
  const body = await readJsonBody(req);
  const active = await readSession(ctx, req);
  if (!active)
    throw new OAuthError('login_required', 'Nobody is signed in in this browser.', { status: 401 });
  assertSessionCsrf(ctx, active.session, csrfHeader(req));
  return { body, active };
}

/** After a sign-in: the new session's cookie and the interaction's next step for it. */
async function signedInAnswer(
  ctx: Context,
  req: RequestInfo,
  sealed: string,
  signedIn: SignedIn,
): Promise<Response> {
  const active = { session: signedIn.session, user: signedIn.user };
  const { body } = await interactionState(ctx, req, sealed, active);
  return headlessJson(req, body, { 'set-cookie': signedIn.cookie });
}

function retryLater(description: string, retryAfter: number): OAuthError {
  return new OAuthError('rate_limited', description, { headers: { 'retry-after': String(retryAfter) } });
}

/** GET state?interaction=…: where this request stands for this browser (headless-state.ts). */
export async function stateAction(ctx: Context, req: RequestInfo): Promise<Response> {
  const sealed = req.url.searchParams.get('interaction') ?? undefined;
  const { body, setCookie } = await interactionState(ctx, req, sealed, await readSession(ctx, req));
  return headlessJson(req, body, setCookie ? { 'set-cookie': setCookie } : {});
}

/**
 * POST identify {interaction, email}: which sign-in comes next for this address: the single sign-on
 * of the organization that claims its domain (next = provider, with the URL to send the browser to),
 * or a password. Whether an account exists is never revealed.
 */
export async function identifyAction(ctx: Context, req: RequestInfo): Promise<Response> {
  const { body, sealed } = await preSessionStep(ctx, req);
  const email = normaliseEmail(requiredMember(body, 'email'));
  if (!isEmailAddress(email)) throw new OAuthError('invalid_request', 'Enter a valid email address.');
  // Home-realm discovery (home-realm.ts): by the domain alone, before any account is looked up.
  const realm = await homeRealmOf(ctx, email);
  if (realm) {
    return headlessJson(req, {
      next: 'provider',
      email,
      connection: realm.connection,
      organization: { name: realm.organization.name },
      redirect_to: startUrl(ctx, realm.connection, sealed),
    });
  }
  return headlessJson(req, { next: 'password', email, signup: ctx.config.signup });
}

/**
 * `requireVerifiedEmail` and an unverified address (credentials.ts): no session; the custom UI asks the
 * person to follow the mailed link (a new one: verify-email.ts requestVerificationEmail) and sign in again.
 */
function verifyEmailFirst(): OAuthError {
  return new OAuthError(
    'access_denied',
    'Verify your email address first: follow the link we sent you, then sign in again.',
    { status: 403 },
  );
}

/** POST password {interaction, email, password}: signs in (credentials.ts) and answers the next step. */
export async function passwordAction(ctx: Context, req: RequestInfo): Promise<Response> {
  const { body, sealed } = await preSessionStep(ctx, req);
  const email = normaliseEmail(stringMember(body, 'email') ?? '');
  const outcome = await signInWithPassword(ctx, req, email, stringMember(body, 'password') ?? '');
  if (!outcome.ok && outcome.reason === 'throttled')
    throw retryLater('Too many failed sign-in attempts. Try again later.', outcome.retryAfter);
  if (!outcome.ok && outcome.reason === 'unverified') throw verifyEmailFirst();
  if (!outcome.ok)
    throw new OAuthError('access_denied', 'The email or password is not correct.', { status: 401 });
  return signedInAnswer(ctx, req, sealed, outcome);
}

/** POST signup {interaction, email, password}: creates the account (credentials.ts) and signs it in. */
export async function signupAction(ctx: Context, req: RequestInfo): Promise<Response> {
  if (!ctx.config.signup) throw new OAuthError('not_found', 'Sign-up is not available on this server.');
  const { body, sealed } = await preSessionStep(ctx, req);
  const email = normaliseEmail(stringMember(body, 'email') ?? '');
  const outcome = await createAccount(ctx, req, email, stringMember(body, 'password') ?? '');
  if (outcome.ok) return signedInAnswer(ctx, req, sealed, outcome);
  if (outcome.reason === 'throttled')
    throw retryLater('Too many accounts were created from here. Try again later.', outcome.retryAfter);
  if (outcome.reason === 'invalid') throw new OAuthError('invalid_request', outcome.problem);
  if (outcome.reason === 'unverified') throw verifyEmailFirst();
  throw new OAuthError('invalid_request', 'An account with this email already exists. Sign in instead.', {
    status: 409,
  });
}

/**
 * POST provider {interaction, connection}: the URL to send the browser to. It is the connection's own
 * start (connections/start.ts), a top-level navigation that binds the browser, applies the start
 * throttle and redirects to the provider with PKCE, state and nonce.
 */
export async function providerAction(ctx: Context, req: RequestInfo): Promise<Response> {
  const { body, sealed } = await preSessionStep(ctx, req);
  const id = requiredMember(body, 'connection');
  const connection = await findConnection(ctx, id);
  if (!connection) throw new OAuthError('not_found', 'There is no such sign-in method.');
  if (!(await offeredConnections(ctx)).includes(connection))
    throw new OAuthError('forbidden', `Signing in with ${connection.name} is turned off on this server.`);
  return headlessJson(req, { redirect_to: startUrl(ctx, connection.id, sealed) });
}

/** The connection's start (connections/start.ts), carrying the authorization request. */
function startUrl(ctx: Context, connection: string, sealed: string): string {
  const start = `${ctx.config.issuer}${connectionPath(connection, 'start')}`;
  return `${start}?interaction=${encodeURIComponent(sealed)}`;
}

/**
 * POST organization {interaction, organization}: the signed-in user's choice among their
 * organizations, validated and recorded by interaction/organization.ts (a member now; a choice bound by
 * the organization's connection stays). Answers the state with the new sealed request to continue with.
 */
export async function organizationAction(ctx: Context, req: RequestInfo): Promise<Response> {
  const { body, active } = await signedInStep(ctx, req);
  const sealed = await recordOrganizationChoice(ctx, {
    interaction: requiredMember(body, 'interaction'),
    user: active.user,
    organizationId: requiredMember(body, 'organization'),
  });
  const { body: state } = await interactionState(ctx, req, sealed, active);
  return headlessJson(req, state);
}

/**
 * POST consent {interaction, decision}: the signed-in user's Allow or Deny, through the consent rules
 * (consent-decision.ts). Answers the redirect URI the browser must go to (with the code, or with
 * error=access_denied). One decision per interaction: the same sealed request cannot be answered twice.
 */
export async function consentAction(ctx: Context, req: RequestInfo): Promise<Response> {
  const { body, active } = await signedInStep(ctx, req);
  const sealed = requiredMember(body, 'interaction');
  const { request, loginAfter, pendingError } = openInteraction(ctx, sealed);
  if (pendingError) throw new OAuthError('invalid_request', 'This request has nothing to consent to.');
  if (loginAfter !== undefined && active.session.authTime < loginAfter)
    throw new OAuthError('login_required', 'This request asks the user to sign in again.', { status: 401 });
  const decision = parseDecision(stringMember(body, 'decision'));
  const client = await reverifyClient(ctx, request.client_id, request.redirect_uri, req.ip);
  // The organization rules hold here as on /authorize: settled again, or the choice comes first.
  const settled = await resolveOrganization(ctx, request, active.user);
  if (settled.kind === 'choose') throw new OAuthError('invalid_request', 'Choose an organization first.');
  const location = await decideConsent(ctx, req, {
    interaction: sealed,
    request: settled.request,
    client,
    active,
    decision,
  });
  return headlessJson(req, { redirect_to: location });
}
