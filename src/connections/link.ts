/**
 * The end of an upstream sign-in: a browser session and the authorization request continuing as after
 * a password sign-in; or, on an e-mail collision without a trusted assertion, the explicit link:
 * `POST {issuer}/connections/{id}/link` with the account's password (the owner proves the account is
 * theirs, then the provider identity is linked to it). The pending identity travels sealed (HMAC,
 * expiry, bound to the browser-binding cookie), so nothing is stored until the password is right.
 */
import type { ResolvedConnection } from '../config/connections.js';
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { formParams } from '../http/params.js';
import { redirect } from '../http/respond.js';
import { assertPreSessionCsrf, assertSameOrigin, startSession } from '../interaction/browser-session.js';
import { admitSignIn } from '../interaction/login-throttle.js';
import { bindConnectionOrganization } from '../interaction/organization.js';
import { formPage } from '../interaction/pages-common.js';
import { verificationRequired } from '../interaction/verify-email.js';
import { renderConnectionLink } from '../pages/connection-link.js';
import { connectionPath, PATHS } from '../paths.js';
import type { UserRecord } from '../store/types.js';
import { hashSecret, openState, safeEqual, sealState } from '../tokens/crypto.js';
import { verifyCredentials } from '../users.js';
import { link, type UpstreamIdentity } from './accounts.js';
import { readBinding } from './state.js';

interface PendingLink {
  v: 'upstream-link';
  c: string;
  iss: string;
  sub: string;
  email: string;
  /** SHA-256 of the browser-binding cookie. */
  b: string;
  exp: number;
}

export async function signInAndContinue(
  ctx: Context,
  req: RequestInfo,
  user: UserRecord,
  pending: string | null | undefined,
  connectionId?: string,
): Promise<Response> {
  // `requireVerifiedEmail` holds for every way in: an upstream sign-in whose address nobody proved
  // (an untrusted connection's just-in-time account) stops at "Verify your email" like a password one.
  if (ctx.config.requireVerifiedEmail && !user.emailVerified) {
    await ctx.audit(
      { type: 'login.unverified_email', userId: user.id, detail: { connection: connectionId } },
      req,
    );
    return verificationRequired(ctx, req, user, pending ?? undefined);
  }
  // An organization whose connection this is: the user acts in it (interaction/organization.ts).
  const interaction =
    connectionId === undefined
      ? pending
      : await bindConnectionOrganization(ctx, connectionId, user, pending ?? null);
  const { cookie } = await startSession(ctx, user);
  const next = interaction
    ? `${ctx.config.issuerPath}${PATHS.resume}?interaction=${encodeURIComponent(interaction)}`
    : ctx.config.issuerPath + PATHS.signedIn;
  return redirect(next, 303, { 'set-cookie': cookie });
}

function renderLinkPage(
  ctx: Context,
  req: RequestInfo,
  c: ResolvedConnection,
  p: { email: string; pending: string; interaction?: string; error?: string; status: number },
): Response {
  return formPage(ctx, req, { interaction: p.interaction, error: p.error, status: p.status }, (common) =>
    renderConnectionLink({
      ...common,
      action: common.basePath + connectionPath(c.id, 'link'),
      connectionName: c.name,
      accountEmail: p.email,
      pending: p.pending,
    }),
  );
}

export async function collisionPage(
  ctx: Context,
  req: RequestInfo,
  c: ResolvedConnection,
  identity: UpstreamIdentity,
  email: string,
  interaction: string | null,
): Promise<Response> {
  const binding = readBinding(ctx, req);
  if (!binding) throw new OAuthError('invalid_request', 'Start the sign-in again.');
  const pending: PendingLink = {
    v: 'upstream-link',
    c: c.id,
    iss: identity.issuer,
    sub: identity.subject,
    email,
    b: hashSecret(binding),
    exp: ctx.now() + c.stateTtlMs,
  };
  await ctx.auditAnonymous({ type: 'connection.collision', detail: { connection: c.id } }, req);
  return renderLinkPage(ctx, req, c, {
    email,
    pending: sealState(ctx.secrets.state, pending),
    interaction: interaction ?? undefined,
    status: 409,
  });
}

function openPending(ctx: Context, req: RequestInfo, c: ResolvedConnection, sealed: string | undefined) {
  const value = sealed ? openState<PendingLink>(ctx.secrets.state, sealed) : undefined;
  const binding = readBinding(ctx, req);
  if (
    value?.v !== 'upstream-link' ||
    value.c !== c.id ||
    value.exp <= ctx.now() ||
    !binding ||
    !safeEqual(value.b, hashSecret(binding))
  ) {
    throw new OAuthError(
      'invalid_request',
      'This link request expired or was not started in this browser. Start again.',
    );
  }
  return value;
}

export async function handleLink(ctx: Context, req: RequestInfo, c: ResolvedConnection): Promise<Response> {
  assertSameOrigin(ctx, req);
  const params = await formParams(req.request);
  assertPreSessionCsrf(ctx, req, params.get('csrf'));
  const sealed = params.get('pending');
  const pending = openPending(ctx, req, c, sealed);
  const interaction = params.get('interaction');
  const admission = await admitSignIn(ctx, req, pending.email);
  if (!admission.allowed) {
    throw new OAuthError('rate_limited', 'Too many failed sign-in attempts. Try again later.', {
      headers: { 'retry-after': String(admission.retryAfter) },
    });
  }
  const user = await verifyCredentials(ctx.store, pending.email, params.get('password') ?? '');
  await admission.settle(user !== undefined);
  if (!user) {
    await ctx.auditAnonymous({ type: 'login.failed', detail: { connection: c.id } }, req);
    return renderLinkPage(ctx, req, c, {
      email: pending.email,
      pending: sealed!,
      interaction,
      error: 'The password is not correct.',
      status: 401,
    });
  }
  const identity: UpstreamIdentity = {
    issuer: pending.iss,
    subject: pending.sub,
    email: pending.email,
    emailVerified: false,
  };
  await link(ctx, c, identity, user);
  await ctx.audit({ type: 'connection.linked', userId: user.id, detail: { connection: c.id } }, req);
  return signInAndContinue(ctx, req, user, interaction, c.id);
}
