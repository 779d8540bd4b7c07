import { setTimeout as sleep } from 'node:timers/promises';
import type { Context, RequestInfo } from '../context.js';
import { networkKey, rateLimitKey } from '../http/client-ip.js';
import { hmac } from '../tokens/crypto.js';

/**
 * Sign-in throttling that cannot be turned against the account's owner (OWASP ASVS 2.2.1; OWASP
 * Authentication Cheat Sheet, "Account Lockout"): only failures count, in three counters kept in the
 * database so they hold across instances:
 * - per (account, network): IPv4 /24, IPv6 /64. Past the limit that network gets 429 for that account,
 *   even with the right password (validity is never revealed); the owner on another network is not
 *   affected. A success resets it.
 * - per client IP (IPv6 /64), across accounts: bounds spraying one password over many accounts.
 * - per account from everywhere: past a much higher ceiling every attempt on the account is answered
 *   a fixed delay later — slowed, never refused, so failures elsewhere cannot lock the owner out.
 * Each counter takes its hit before the password is checked (so concurrent guesses cannot overshoot)
 * and a success gives it back. Accounts are keyed by an HMAC of the e-mail, so known and unknown
 * e-mails behave alike and the table holds no addresses.
 */

export type SignInAdmission =
  | { allowed: true; settle(succeeded: boolean): Promise<void> }
  | { allowed: false; retryAfter: number; scope: 'ip' | 'account' };

export async function admitSignIn(ctx: Context, req: RequestInfo, email: string): Promise<SignInAdmission> {
  const t = ctx.config.loginThrottle;
  const windowMs = t.windowSeconds * 1000;
  const at = ctx.now();
  const refund = async (keys: string[]) => {
    for (const key of keys) await ctx.store.refundRateLimit(key, windowMs, at);
  };
  const ipKey = `login:ip:${rateLimitKey(req.ip)}`;
  const perIp = await ctx.store.hitRateLimit(ipKey, t.maxFailuresPerIp, windowMs, at);
  if (!perIp.allowed) return { allowed: false, retryAfter: perIp.retryAfter, scope: 'ip' };
  if (!email) return { allowed: true, settle: (ok) => (ok ? refund([ipKey]) : Promise.resolve()) };

  const account = hmac(ctx.secrets.state, `sign-in account\n${email}`).slice(0, 22);
  const pairKey = `login:account-network:${account}:${networkKey(req.ip)}`;
  const perPair = await ctx.store.hitRateLimit(pairKey, t.maxFailuresPerAccountNetwork, windowMs, at);
  if (!perPair.allowed) return { allowed: false, retryAfter: perPair.retryAfter, scope: 'account' };

  const accountKey = `login:account:${account}`;
  const perAccount = await ctx.store.hitRateLimit(accountKey, t.accountSlowdownAfter, windowMs, at);
  // Correct and wrong passwords wait alike, so the delay reveals nothing.
  if (!perAccount.allowed && t.accountSlowdownMs > 0) await sleep(t.accountSlowdownMs);
  return {
    allowed: true,
    async settle(succeeded) {
      if (!succeeded) return;
      await ctx.store.resetRateLimit(pairKey);
      await refund([ipKey, accountKey]);
    },
  };
}
