import type { Context } from '../context.js';
import type { UserRecord } from '../store/types.js';
import { normaliseEmail } from '../users.js';

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

export async function findUserByEmail(ctx: Context, email: string): Promise<UserRecord> {
  const user = await ctx.store.getUserByEmail(normaliseEmail(email));
  if (!user) throw new Error(`no user with the e-mail ${email}`);
  return user;
}
