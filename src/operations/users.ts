import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { mailBrand } from '../mail/brand.js';
import { sendMail } from '../mail/send.js';
import { passwordResetMail } from '../mail/templates.js';
import type { UserListQuery, UserRecord } from '../store/types.js';
import { UniqueViolation } from '../store/types.js';
import { checkNewCredentials, createUser, hashPassword, normaliseEmail } from '../users.js';
import { checkAccountToken, consumeAccountToken, issueAccountToken } from './account-tokens.js';
import { recentAuditEvents } from './audit.js';
import { dropUnverifiedAccess } from './email-verification.js';
import { type GrantView, presentUser, type UserDetailView, type UserView } from './views.js';

/**
 * User administration, shared by the CLI, the admin API and the dashboard: each takes a user id and
 * answers with view models (never the password hash). Each change is audited with the acting
 * administrator. Password resets are account tokens (account-tokens.ts: `ghp_id.secret`, only the
 * secret's hash stored, single use, short-lived) delivered only through the configured mailer hook; the sign-in interaction's
 * self-service pages use the same issuance and redemption.
 */

async function requireUser(ctx: Context, id: string): Promise<UserRecord> {
  const user = await ctx.store.getUserById(id);
  if (!user) throw new OAuthError('not_found', `no user ${id}`);
  return user;
}

export async function getUser(ctx: Context, id: string): Promise<UserView> {
  return presentUser(await requireUser(ctx, id));
}

export async function findUserByEmail(ctx: Context, email: string): Promise<UserView> {
  const user = await ctx.store.getUserByEmail(normaliseEmail(email));
  if (!user) throw new OAuthError('not_found', `no user with the e-mail ${email}`);
  return presentUser(user);
}

/** One keyset page of users, ordered by e-mail (filters parsed by queries.ts). */
export async function listUsersPage(
  ctx: Context,
  query: UserListQuery & { limit: number },
): Promise<{ users: UserView[]; next: string | null }> {
  const users = await ctx.store.listUsers(query);
  const next = users.length === query.limit ? users[users.length - 1]!.email.toLowerCase() : null;
  return { users: users.map(presentUser), next };
}

/** Detail: the user, their active grants and their latest audit events. */
export async function userDetail(ctx: Context, id: string, events = 20): Promise<UserDetailView> {
  const user = await requireUser(ctx, id);
  return {
    user: presentUser(user),
    grants: await ctx.store.listGrants({ userId: user.id, activeOnly: true }),
    events: await recentAuditEvents(ctx, { userId: user.id }, events),
  };
}

export async function createUserAsAdmin(
  ctx: Context,
  input: { email: string; password: string; admin?: boolean; emailVerified?: boolean },
  actor: string,
): Promise<UserView> {
  const problem = checkNewCredentials(normaliseEmail(input.email), input.password);
  if (problem) throw new OAuthError('invalid_request', problem);
  let user: UserRecord;
  try {
    user = await createUser(ctx.store, input, ctx.now());
  } catch (error) {
    if (error instanceof UniqueViolation)
      throw new OAuthError('invalid_request', 'a user with this e-mail already exists', { status: 409 });
    throw error;
  }
  await ctx.audit({
    type: 'user.created',
    userId: user.id,
    actor,
    detail: { admin: user.admin, email_verified: user.emailVerified },
  });
  return presentUser(user);
}

/**
 * Makes an existing user an administrator (the demo's user, in databases made before it was one);
 * audited as `user.updated`. No-op for an unknown e-mail or an existing administrator.
 */
export async function ensureAdministrator(ctx: Context, email: string, actor: string): Promise<void> {
  const user = await ctx.store.getUserByEmail(normaliseEmail(email));
  if (!user || user.admin) return;
  await ctx.store.updateUser(user.id, { admin: true });
  await ctx.audit({ type: 'user.updated', userId: user.id, actor, detail: { admin: true } });
}

/**
 * Ends everything a user has signed in to: their browser sessions on the hosted pages and every grant
 * (with its refresh tokens, and so the access tokens introspection sees) of every client.
 */
export async function revokeUserSessions(
  ctx: Context,
  userId: string,
  actor: string,
): Promise<{ sessions: number; grants: number }> {
  const user = await requireUser(ctx, userId);
  const at = ctx.now();
  const sessions = await ctx.store.revokeUserBrowserSessions(user.id, at);
  const grants = await ctx.store.revokeGrants({ userId: user.id }, at, `sessions revoked by ${actor}`);
  await ctx.audit({ type: 'user.sessions_revoked', userId: user.id, actor, detail: { sessions, grants } });
  return { sessions, grants };
}

/** Disables a user: they cannot sign in, and their sessions and grants are revoked. */
export async function disableUser(
  ctx: Context,
  userId: string,
  actor: string,
): Promise<{ sessions: number; grants: number }> {
  const user = await requireUser(ctx, userId);
  if (actor === `user:${user.id}`) throw new OAuthError('invalid_request', 'you cannot disable yourself');
  const at = ctx.now();
  await ctx.store.updateUser(user.id, { disabledAt: at });
  const sessions = await ctx.store.revokeUserBrowserSessions(user.id, at);
  const grants = await ctx.store.revokeGrants({ userId: user.id }, at, `user disabled by ${actor}`);
  await ctx.audit({ type: 'user.disabled', userId: user.id, actor, detail: { sessions, grants } });
  return { sessions, grants };
}

export async function enableUser(ctx: Context, userId: string, actor: string): Promise<void> {
  const user = await requireUser(ctx, userId);
  await ctx.store.updateUser(user.id, { disabledAt: null });
  await ctx.audit({ type: 'user.enabled', userId: user.id, actor });
}

/** The user's active grants (404 for an unknown user). */
export async function userGrants(ctx: Context, userId: string): Promise<GrantView[]> {
  const user = await requireUser(ctx, userId);
  return ctx.store.listGrants({ userId: user.id, activeOnly: true });
}

/** Whether password resets can be sent (a mailer is configured). */
export function mailerConfigured(ctx: Context): boolean {
  return ctx.config.mailer !== undefined;
}

/** An administrator sends a user a password-reset link (admin API, dashboard, CLI). */
export async function sendUserPasswordReset(ctx: Context, userId: string, actor: string): Promise<void> {
  await sendPasswordReset(ctx, await requireUser(ctx, userId), actor);
}

/**
 * Sends the user a single-use link to `{issuer}/reset-password` (account-tokens.ts, purpose
 * password_reset). The token goes to the mailer hook only: the caller learns that a message was sent,
 * never its content. Used by the admin surfaces (sendUserPasswordReset) and by the self-service page
 * (src/interaction/forgot-password.ts, `requester` "possibly you").
 */
export async function sendPasswordReset(
  ctx: Context,
  user: UserRecord,
  actor: string,
  requester = 'an administrator',
): Promise<void> {
  if (!ctx.config.mailer) throw new OAuthError('invalid_request', 'no mailer is configured (options.mailer)');
  if (user.disabledAt !== null) throw new OAuthError('invalid_request', 'the user is disabled');
  const ttlMs = ctx.config.passwordReset.ttlMs;
  const token = await issueAccountToken(ctx, user, 'password_reset', ttlMs);
  const link = `${ctx.config.issuer}/reset-password?token=${encodeURIComponent(token)}`;
  const minutes = Math.round(ttlMs / 60_000);
  const content = passwordResetMail(mailBrand(ctx), { email: user.email, link, minutes, requester });
  await sendMail(ctx, user.email, content, link);
  await ctx.audit({ type: 'user.password_reset_sent', userId: user.id, actor });
}

/** The user a presented reset token belongs to, if it is valid now (not used, not expired). */
export function checkPasswordReset(ctx: Context, token: string): Promise<UserRecord | undefined> {
  return checkAccountToken(ctx, 'password_reset', token);
}

/**
 * Sets a new password with a reset token (consumed exactly once), and signs the user out everywhere.
 * The link went to the user's address, so whoever holds it controls that mailbox (OIDC Core §5.1):
 * the address becomes verified, and if it was not, the upstream identities linked meanwhile are
 * dropped too (email-verification.ts dropUnverifiedAccess: the pre-hijack fix).
 */
export async function completePasswordReset(
  ctx: Context,
  token: string,
  password: string,
): Promise<UserRecord> {
  const invalid = () => new OAuthError('invalid_grant', 'This reset link is not valid. Ask for a new one.');
  const user = await checkPasswordReset(ctx, token);
  if (!user) throw invalid();
  const problem = checkNewCredentials(user.email, password);
  if (problem) throw new OAuthError('invalid_request', problem);
  const passwordHash = await hashPassword(password);
  if (!(await consumeAccountToken(ctx, 'password_reset', token))) throw invalid();
  await ctx.store.updateUser(user.id, { passwordHash, emailVerified: true });
  const at = ctx.now();
  let identities = 0;
  if (!user.emailVerified) identities = (await dropUnverifiedAccess(ctx, user, 'password reset')).identities;
  await ctx.store.revokeUserBrowserSessions(user.id, at);
  await ctx.store.revokeGrants({ userId: user.id }, at, 'password reset');
  await ctx.audit({
    type: 'user.password_reset',
    userId: user.id,
    actor: `user:${user.id}`,
    ...(identities ? { detail: { identities_unlinked: identities } } : {}),
  });
  return user;
}
