import type { Context } from '../context.js';
import type { AccountTokenPurpose, UserRecord } from '../store/types.js';
import { matchesSecret, mintOpaque, type OpaqueKind, parseOpaque } from '../tokens/opaque.js';
import { normaliseEmail } from '../users.js';

/**
 * The one issuance and redemption of account tokens: password resets (`ghp_…`) and e-mail
 * verifications (`ghv_…`). Each is `id.secret` with only a SHA-256 of the secret stored (lucia/oslo
 * style: lookup by id, constant-time comparison), short-lived, used at most once (the store's
 * consumeAccountToken is the race-safe "exactly once"), bound to its purpose (a reset token never
 * verifies an address, nor the reverse) and to the address it was mailed to. The token is returned to
 * the caller only to be put in a link handed to the mailer: no HTTP response ever carries it.
 */

const KIND: Record<AccountTokenPurpose, OpaqueKind> = {
  password_reset: 'ghp',
  email_verification: 'ghv',
};

/** Mints and stores a token for `user` (at their current address); returns the value for the link. */
export async function issueAccountToken(
  ctx: Context,
  user: UserRecord,
  purpose: AccountTokenPurpose,
  ttlMs: number,
): Promise<string> {
  const credential = mintOpaque(KIND[purpose]);
  const at = ctx.now();
  await ctx.store.createAccountToken({
    id: credential.id,
    purpose,
    secretHash: credential.secretHash,
    userId: user.id,
    email: normaliseEmail(user.email),
    createdAt: at,
    expiresAt: at + ttlMs,
    usedAt: null,
  });
  return credential.value;
}

/**
 * The active user a presented token belongs to, if it is valid now: well-formed, of this purpose, its
 * secret matching, unused, unexpired, and the user's address still the one it was mailed to.
 */
export async function checkAccountToken(
  ctx: Context,
  purpose: AccountTokenPurpose,
  token: string,
): Promise<UserRecord | undefined> {
  const parsed = parseOpaque(KIND[purpose], token);
  if (!parsed) return undefined;
  const record = await ctx.store.getAccountToken(parsed.id);
  if (!record || record.purpose !== purpose || !matchesSecret(parsed, record.secretHash)) return undefined;
  if (record.usedAt !== null || record.expiresAt <= ctx.now()) return undefined;
  const user = await ctx.store.getUserById(record.userId);
  if (!user || user.disabledAt !== null) return undefined;
  if (record.email !== null && record.email !== normaliseEmail(user.email)) return undefined;
  return user;
}

/** Uses the token: true for exactly one caller, and only while checkAccountToken would accept it. */
export async function consumeAccountToken(
  ctx: Context,
  purpose: AccountTokenPurpose,
  token: string,
): Promise<UserRecord | undefined> {
  const user = await checkAccountToken(ctx, purpose, token);
  if (!user) return undefined;
  const parsed = parseOpaque(KIND[purpose], token)!;
  return (await ctx.store.consumeAccountToken(parsed.id, ctx.now())) ? user : undefined;
}
