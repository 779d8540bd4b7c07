import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { mailBrand } from '../mail/brand.js';
import { sendMail } from '../mail/send.js';
import { verificationMail } from '../mail/templates.js';
import { PATHS } from '../paths.js';
import type { UserRecord } from '../store/types.js';
import { checkAccountToken, consumeAccountToken, issueAccountToken } from './account-tokens.js';

/**
 * E-mail verification (issue 16): a single-use link (account-tokens.ts, purpose email_verification)
 * mailed to the user's address; following it sets `email_verified` (OIDC Core §5.1: true only when
 * the address was proven). Proving the address also ends a pre-hijack (Sudhodanan & Paverd, "Pre-hijacked
 * accounts", 2022): whatever was attached to the account while nobody had proven the address — linked
 * upstream identities, browser sessions, grants — may belong to someone who registered a victim's
 * address first, so it is dropped (dropUnverifiedAccess).
 */

/** Mails `user` a verification link. No-op (false) when the address is verified already. */
export async function sendVerificationEmail(ctx: Context, user: UserRecord, actor: string): Promise<boolean> {
  if (user.emailVerified || user.disabledAt !== null) return false;
  const ttlMs = ctx.config.emailVerification.ttlMs;
  const token = await issueAccountToken(ctx, user, 'email_verification', ttlMs);
  const link = `${ctx.config.issuer}${PATHS.verifyEmail}?token=${encodeURIComponent(token)}`;
  const minutes = Math.round(ttlMs / 60_000);
  await sendMail(
    ctx,
    user.email,
    verificationMail(mailBrand(ctx), { email: user.email, link, minutes }),
    link,
  );
  await ctx.audit({ type: 'user.verification_sent', userId: user.id, actor });
  return true;
}

/** The user a presented verification token belongs to, if it is valid now (without using it). */
export function checkEmailVerification(ctx: Context, token: string): Promise<UserRecord | undefined> {
  return checkAccountToken(ctx, 'email_verification', token);
}

/**
 * Uses a verification token (exactly once) and marks the address verified. When it was unverified,
 * everything attached meanwhile is dropped except the browser session `keepSessionId` (the verifier's
 * own, when they are signed in as this user) and the grants made in it.
 */
export async function completeEmailVerification(
  ctx: Context,
  token: string,
  keepSessionId?: string,
): Promise<{ user: UserRecord; dropped: DroppedAccess }> {
  const user = await consumeAccountToken(ctx, 'email_verification', token);
  if (!user) throw new OAuthError('invalid_grant', 'This verification link is not valid or has expired.');
  let dropped: DroppedAccess = { identities: 0, sessions: 0, grants: 0 };
  if (!user.emailVerified) {
    await ctx.store.updateUser(user.id, { emailVerified: true });
    dropped = await dropUnverifiedAccess(ctx, user, 'e-mail verified', keepSessionId);
  }
  await ctx.audit({
    type: 'user.email_verified',
    userId: user.id,
    actor: `user:${user.id}`,
    detail: { ...dropped },
  });
  return { user: { ...user, emailVerified: true }, dropped };
}

export interface DroppedAccess {
  identities: number;
  sessions: number;
  grants: number;
}

/**
 * Ends what was attached to `user` while their address was unverified: every linked upstream
 * identity, every browser session, and every grant (with its refresh tokens) except those made in
 * the browser session `keepSessionId`. The caller has just proven the address (a completed reset or
 * verification) and calls this only when the user was unverified until then.
 */
export async function dropUnverifiedAccess(
  ctx: Context,
  user: UserRecord,
  reason: string,
  keepSessionId?: string,
): Promise<DroppedAccess> {
  const at = ctx.now();
  const links = await ctx.store.listLinkedIdentities(user.id);
  for (const l of links) await ctx.store.deleteLinkedIdentity(user.id, l.issuer, l.subject);
  const sessions = await ctx.store.revokeUserBrowserSessions(user.id, at);
  let grants = 0;
  for (const g of await ctx.store.listGrants({ userId: user.id, activeOnly: true })) {
    if (keepSessionId !== undefined && g.sessionId === keepSessionId) continue;
    if (await ctx.store.revokeGrant(g.id, at, `${reason}: made before the address was proven`)) grants++;
  }
  return { identities: links.length, sessions, grants };
}
