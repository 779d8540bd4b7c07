import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { GrantRecord, UserRecord } from '../store/types.js';
import { UniqueViolation } from '../store/types.js';
import { matchesSecret, mintOpaque, parseOpaque } from '../tokens/opaque.js';
import { checkNewCredentials, createUser, hashPassword, normaliseEmail } from '../users.js';

/**
 * User administration, shared by the CLI, the admin API and the dashboard. Each change is audited
 * with the acting administrator. Password resets are `ghp_id.secret` tokens (only the secret's hash is
 * stored, single use, short-lived) delivered only through the configured mailer hook.
 */

/** A user as the admin API shows it: never the password hash. */
export function presentUser(user: UserRecord): Record<string, unknown> {
  const { passwordHash, ...rest } = user;
  return rest;
}

export async function requireUser(ctx: Context, id: string): Promise<UserRecord> {
  const user = await ctx.store.getUserById(id);
  if (!user) throw new OAuthError('not_found', `no user ${id}`);
  return user;
}

export async function findUserByEmail(ctx: Context, email: string): Promise<UserRecord> {
  const user = await ctx.store.getUserByEmail(normaliseEmail(email));
  if (!user) throw new OAuthError('not_found', `no user with the e-mail ${email}`);
  return user;
}

export async function createUserAsAdmin(
  ctx: Context,
  input: { email: string; password: string; admin?: boolean; emailVerified?: boolean },
  actor: string,
): Promise<UserRecord> {
  const problem = checkNewCredentials(normaliseEmail(input.email), input.password);
  if (problem) throw new OAuthError('invalid_request', problem);
  let user: UserRecord;
  try {
    user = await createUser(ctx.store, input, ctx.now());
  } catch (error) {
    if (error instanceof UniqueViolation)
      throw new OAuthError('invalid_request', 'a user with this e-mail exists', { status: 409 });
    throw error;
  }
  await ctx.audit({
    type: 'user.created',
    userId: user.id,
    actor,
    detail: { admin: user.admin, email_verified: user.emailVerified },
  });
  return user;
}

/**
 * Ends everything a user has signed in to: their browser sessions on the hosted pages and every grant
 * (with its refresh tokens, and so the access tokens introspection sees) of every client.
 */
export async function revokeUserSessions(
  ctx: Context,
  user: UserRecord,
  actor: string,
): Promise<{ sessions: number; grants: number }> {
  const at = ctx.now();
  const sessions = await ctx.store.revokeUserBrowserSessions(user.id, at);
  const grants = await ctx.store.revokeGrants({ userId: user.id }, at, `sessions revoked by ${actor}`);
  await ctx.audit({ type: 'user.sessions_revoked', userId: user.id, actor, detail: { sessions, grants } });
  return { sessions, grants };
}

/** Disables a user: they cannot sign in, and their sessions and grants are revoked. */
export async function disableUser(
  ctx: Context,
  user: UserRecord,
  actor: string,
): Promise<{ sessions: number; grants: number }> {
  if (actor === `user:${user.id}`) throw new OAuthError('invalid_request', 'you cannot disable yourself');
  const at = ctx.now();
  await ctx.store.updateUser(user.id, { disabledAt: at });
  const sessions = await ctx.store.revokeUserBrowserSessions(user.id, at);
  const grants = await ctx.store.revokeGrants({ userId: user.id }, at, `user disabled by ${actor}`);
  await ctx.audit({ type: 'user.disabled', userId: user.id, actor, detail: { sessions, grants } });
  return { sessions, grants };
}

export async function enableUser(ctx: Context, user: UserRecord, actor: string): Promise<void> {
  await ctx.store.updateUser(user.id, { disabledAt: null });
  await ctx.audit({ type: 'user.enabled', userId: user.id, actor });
}

export async function userGrants(ctx: Context, user: UserRecord): Promise<GrantRecord[]> {
  return ctx.store.listGrants({ userId: user.id, activeOnly: true });
}

/**
 * Sends the user a single-use link to `{issuer}/reset-password`. The token goes to the mailer hook
 * only: the caller learns that a message was sent, never its content. Used by the admin surfaces and
 * by the self-service page (src/interaction/forgot-password.ts, `requester` "possibly you").
 */
export async function sendPasswordReset(
  ctx: Context,
  user: UserRecord,
  actor: string,
  requester = 'an administrator',
): Promise<void> {
  const mailer = ctx.config.mailer;
  if (!mailer) throw new OAuthError('invalid_request', 'no mailer is configured (options.mailer)');
  if (user.disabledAt !== null) throw new OAuthError('invalid_request', 'the user is disabled');
  const credential = mintOpaque('ghp');
  const at = ctx.now();
  await ctx.store.createPasswordReset({
    id: credential.id,
    secretHash: credential.secretHash,
    userId: user.id,
    createdAt: at,
    expiresAt: at + ctx.config.passwordReset.ttlMs,
    usedAt: null,
  });
  const link = `${ctx.config.issuer}/reset-password?token=${encodeURIComponent(credential.value)}`;
  const minutes = Math.round(ctx.config.passwordReset.ttlMs / 60_000);
  await mailer({
    to: user.email,
    subject: 'Reset your password',
    text: `Someone (${requester}) asked to reset the password of ${user.email}.\n\nChoose a new password here within ${minutes} minutes: ${link}\n\nIf you did not expect this, ignore this message.`,
    link,
  });
  await ctx.audit({ type: 'user.password_reset_sent', userId: user.id, actor });
}

/** The user a presented reset token belongs to, if it is valid now (not used, not expired). */
export async function checkPasswordReset(ctx: Context, token: string): Promise<UserRecord | undefined> {
  const parsed = parseOpaque('ghp', token);
  if (!parsed) return undefined;
  const reset = await ctx.store.getPasswordReset(parsed.id);
  if (!reset || !matchesSecret(parsed, reset.secretHash)) return undefined;
  if (reset.usedAt !== null || reset.expiresAt <= ctx.now()) return undefined;
  const user = await ctx.store.getUserById(reset.userId);
  return user && user.disabledAt === null ? user : undefined;
}

/** Sets a new password with a reset token (consumed exactly once), and signs the user out everywhere. */
export async function completePasswordReset(
  ctx: Context,
  token: string,
  password: string,
): Promise<UserRecord> {
  const user = await checkPasswordReset(ctx, token);
  if (!user) throw new OAuthError('invalid_grant', 'This reset link is not valid. Ask for a new one.');
  const problem = checkNewCredentials(user.email, password);
  if (problem) throw new OAuthError('invalid_request', problem);
  const passwordHash = await hashPassword(password);
  if (!(await ctx.store.consumePasswordReset(parseOpaque('ghp', token)!.id, ctx.now())))
    throw new OAuthError('invalid_grant', 'This reset link is not valid. Ask for a new one.');
  // The link went to the user's address, so whoever holds it controls that mailbox (OIDC Core §5.1).
  await ctx.store.updateUser(user.id, { passwordHash, emailVerified: true });
  const at = ctx.now();
  await ctx.store.revokeUserBrowserSessions(user.id, at);
  await ctx.store.revokeGrants({ userId: user.id }, at, 'password reset');
  await ctx.audit({ type: 'user.password_reset', userId: user.id, actor: `user:${user.id}` });
  return user;
}
