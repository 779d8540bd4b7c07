/**
 * The jti replay cache of private_key_jwt client assertions (RFC 7523 §3 item 7; OIDC Core §9):
 * `useClientAssertion` and its concurrency rule, on every backend.
 */
import { describe, expect, it } from 'vitest';
import { raw, type SuiteContext } from '../context.js';
import { T0 } from '../fixtures.js';

export function clientAssertionsSuite(ctx: SuiteContext): void {
  describe('client assertion replay cache', () => {
    it('records a jti once: the same (client, jti) is refused until it expires, another client may use it', async () => {
      const client = `c-${crypto.randomUUID()}`;
      const exp = T0 + 60_000;
      expect(await ctx.store.useClientAssertion(client, 'j1', exp, T0)).toBe(true);
      expect(await ctx.store.useClientAssertion(client, 'j1', exp, T0 + 1)).toBe(false);
      expect(await ctx.other.useClientAssertion(client, 'j1', exp, T0 + 59_999)).toBe(false);
      expect(await ctx.store.useClientAssertion(`${client}-other`, 'j1', exp, T0)).toBe(true);
      // Past its expiry the id is free again (the assertion that carried it can no longer verify).
      expect(await ctx.store.useClientAssertion(client, 'j1', T0 + 120_000, exp)).toBe(true);
      expect(await ctx.store.useClientAssertion(client, 'j1', T0 + 120_000, exp + 1)).toBe(false);
    });

    it('exactly one of 20 parallel uses of one jti, across two instances, succeeds', async () => {
      const client = `c-${crypto.randomUUID()}`;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? ctx.other : ctx.store).useClientAssertion(client, 'same', T0 + 60_000, T0),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('purgeExpired deletes used jtis whose assertion has expired and keeps live ones', async () => {
      const client = `c-${crypto.randomUUID()}`;
      await ctx.store.useClientAssertion(client, 'old', T0 + 1000, T0);
      await ctx.store.useClientAssertion(client, 'live', T0 + 60_000, T0);
      await ctx.store.purgeExpired(T0 + 2000);
      const rows = await raw(ctx.store)
        .selectFrom('gatehouse_client_assertions')
        .select('jti')
        .where('client_id', '=', client)
        .execute();
      expect(rows.map((r) => r.jti)).toEqual(['live']);
    });
  });
}
