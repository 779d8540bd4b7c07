import type { Context } from '../context.js';
import { type KeyView, presentKey } from './views.js';

/** Signing keys: the list (public facts only) and rotation, for the admin API, the dashboard and the CLI. */

export async function listKeys(ctx: Context): Promise<KeyView[]> {
  const order = { active: 0, next: 1, retiring: 2 } as const;
  return (await ctx.store.listSigningKeys())
    .map(presentKey)
    .sort((a, b) => order[a.state] - order[b.state] || b.createdAt - a.createdAt);
}

/**
 * Promotes the pre-published next key; the active one is published until its tokens have expired
 * (RFC 7517 §5: verifiers find it by `kid` meanwhile). Audited once here, with the same detail whichever
 * surface asked: the key that now signs, and the one retiring.
 */
export async function rotateKeys(ctx: Context, actor: string): Promise<KeyView[]> {
  const before = await listKeys(ctx);
  const { accessTokenTtl, signingKeyGracePeriod } = ctx.config.tokens;
  await ctx.keys.rotate((accessTokenTtl + signingKeyGracePeriod) * 1000);
  const keys = await listKeys(ctx);
  await ctx.audit({
    type: 'keys.rotated',
    actor,
    detail: {
      active: keys.find((k) => k.state === 'active')?.kid,
      retiring: before.find((k) => k.state === 'active')?.kid,
    },
  });
  return keys;
}
