/**
 * The jti replay cache of ID-JAGs (MCP enterprise-managed authorization §7.4.2: each jti once, per
 * issuer, until exp): `useIdJag` on every backend, across two instances, and its housekeeping.
 */
import { describe, expect, it } from 'vitest';
import { raw, type SuiteContext } from '../context.js';
import { T0 } from '../fixtures.js';

export function idJagSuite(ctx: SuiteContext): void {
  describe('ID-JAG replay cache', () => {
    it('records a jti once per issuer until it expires', async () => {
      const issuer = `https://idp-${crypto.randomUUID()}.example`;
      const exp = T0 + 60_000;
      expect(await ctx.store.useIdJag(issuer, 'j1', exp, T0)).toBe(true);
      expect(await ctx.other.useIdJag(issuer, 'j1', exp, T0 + 59_999)).toBe(false);
      expect(await ctx.store.useIdJag(`${issuer}/other`, 'j1', exp, T0)).toBe(true);
      expect(await ctx.store.useIdJag(issuer, 'j1', T0 + 120_000, exp)).toBe(true);
    });

    it('exactly one of 20 parallel uses of one jti, across two instances, succeeds', async () => {
      const issuer = `https://idp-${crypto.randomUUID()}.example`;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? ctx.other : ctx.store).useIdJag(issuer, 'same', T0 + 60_000, T0),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('purgeExpired deletes expired rows and keeps live ones', async () => {
      const issuer = `https://idp-${crypto.randomUUID()}.example`;
      await ctx.store.useIdJag(issuer, 'old', T0 + 1000, T0);
      await ctx.store.useIdJag(issuer, 'live', T0 + 60_000, T0);
      await ctx.store.purgeExpired(T0 + 2000);
      const rows = await raw(ctx.store)
        .selectFrom('gatehouse_id_jag_jtis')
        .select('jti')
        .where('issuer', '=', issuer)
        .execute();
      expect(rows.map((r) => r.jti)).toEqual(['live']);
    });
  });
}
