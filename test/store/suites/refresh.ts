/** Refresh tokens: the compare-and-swap, and the rotation decided on its result (sequential behaviour). */
import { describe, expect, it } from 'vitest';
import { rotateRefreshToken as rotate } from '../../../src/grants/refresh-rotation.js';
import { raw, type SuiteContext } from '../context.js';
import { makeRefreshToken, seedFamily, T0, uid } from '../fixtures.js';

export function refreshSuite(ctx: SuiteContext): void {
  describe('refresh tokens', () => {
    it('rotates a token: it is marked rotated and the successor joins the same grant', async () => {
      const { grant, token } = await seedFamily(ctx.store);
      const successor = makeRefreshToken(grant, { createdAt: T0 + 1 });
      expect(await rotate(ctx.store, token.id, successor, T0 + 1, 10_000)).toEqual({
        status: 'rotated',
        grant,
      });
      expect(await ctx.store.getRefreshToken(token.id)).toEqual({ ...token, rotatedAt: T0 + 1 });
      expect(await ctx.store.getRefreshToken(successor.id)).toEqual(successor);
    });

    it("reads a token with its grant and whether the grant's user is still active", async () => {
      const { user, grant, token } = await seedFamily(ctx.store);
      expect(await ctx.store.getRefreshTokenWithGrant(token.id)).toEqual({ token, grant, userActive: true });
      await ctx.store.updateUser(user.id, { disabledAt: T0 + 5 });
      expect(await ctx.other.getRefreshTokenWithGrant(token.id)).toEqual({ token, grant, userActive: false });
      expect(await ctx.store.getRefreshTokenWithGrant(uid('missing'))).toBeUndefined();
    });

    it('presenting a rotated token again within the grace window, with the same successor still unused, is a retry that writes nothing', async () => {
      const { grant, token } = await seedFamily(ctx.store);
      const successor = makeRefreshToken(grant, { createdAt: T0 + 1 });
      await rotate(ctx.store, token.id, successor, T0 + 1, 10_000);
      for (const [store, at] of [
        [ctx.other, T0 + 5_000],
        [ctx.store, T0 + 10_001],
      ] as const) {
        expect(await rotate(store, token.id, successor, at, 10_000)).toEqual({
          status: 'retried',
          grant,
        });
      }
      expect(await ctx.store.getRefreshToken(successor.id)).toEqual(successor);
      expect((await ctx.store.getRefreshToken(token.id))?.rotatedAt).toBe(T0 + 1);
      expect((await ctx.store.getGrant(grant.id))?.revokedAt).toBeNull();
    });

    it('presenting a rotated token whose successor has been used is reuse, inside the grace window too: the grant is revoked at once', async () => {
      const { grant, token } = await seedFamily(ctx.store);
      const successor = makeRefreshToken(grant);
      const next = makeRefreshToken(grant);
      await rotate(ctx.store, token.id, successor, T0 + 1, 10_000);
      expect((await rotate(ctx.store, successor.id, next, T0 + 2, 10_000)).status).toBe('rotated');

      expect(await rotate(ctx.other, token.id, successor, T0 + 3, 10_000)).toMatchObject({
        status: 'reused',
      });
      expect(await ctx.store.getGrant(grant.id)).toMatchObject({
        revokedAt: T0 + 3,
        revokedReason: 'refresh_token_reuse',
      });
      expect((await ctx.store.getRefreshToken(next.id))?.revokedAt).toBe(T0 + 3);
      expect((await rotate(ctx.store, next.id, makeRefreshToken(grant), T0 + 4, 10_000)).status).toBe(
        'invalid',
      );
    });

    it('a retry within the grace window of a grant revoked meanwhile is invalid, not a retry', async () => {
      const { grant, token } = await seedFamily(ctx.store);
      const successor = makeRefreshToken(grant);
      await rotate(ctx.store, token.id, successor, T0 + 1, 10_000);
      await ctx.store.revokeGrant(grant.id, T0 + 2, 'user_logout');
      expect(await rotate(ctx.other, token.id, successor, T0 + 3, 10_000)).toEqual({
        status: 'invalid',
      });
      expect((await ctx.store.getGrant(grant.id))?.revokedReason).toBe('user_logout');
    });

    it('presenting a rotated token with another successor than the one it was rotated to is reuse, and stores nothing', async () => {
      const { grant, token } = await seedFamily(ctx.store);
      await rotate(ctx.store, token.id, makeRefreshToken(grant), T0 + 1, 10_000);
      const other = makeRefreshToken(grant);
      expect(await rotate(ctx.store, token.id, other, T0 + 2, 10_000)).toMatchObject({ status: 'reused' });
      expect(await ctx.store.getRefreshToken(other.id)).toBeUndefined();
      expect((await ctx.store.getGrant(grant.id))?.revokedAt).toBe(T0 + 2);
    });

    it('reuse after the grace window revokes the grant, and the successor becomes invalid', async () => {
      const { grant, token } = await seedFamily(ctx.store);
      const successor = makeRefreshToken(grant);
      await rotate(ctx.store, token.id, successor, T0 + 1, 10_000);
      // Even the very successor it was rotated to, still unused: the window is over.
      expect(await rotate(ctx.store, token.id, successor, T0 + 10_002, 10_000)).toMatchObject({
        status: 'reused',
      });

      const revoked = await ctx.store.getGrant(grant.id);
      expect(revoked?.revokedAt).toBe(T0 + 10_002);
      expect(revoked?.revokedReason).toBe('refresh_token_reuse');
      expect((await ctx.store.getRefreshToken(successor.id))?.revokedAt).toBe(T0 + 10_002);
      expect(await rotate(ctx.store, successor.id, makeRefreshToken(grant), T0 + 10_003, 10_000)).toEqual({
        status: 'invalid',
      });
      // Presenting the rotated token yet again is still reported as reuse; the first revocation stands.
      expect(await rotate(ctx.other, token.id, successor, T0 + 20_000, 10_000)).toMatchObject({
        status: 'reused',
      });
      expect((await ctx.store.getGrant(grant.id))?.revokedAt).toBe(T0 + 10_002);
    });

    it('with graceMs = 0 even a same-millisecond second use is reuse', async () => {
      const { grant, token } = await seedFamily(ctx.store);
      const successor = makeRefreshToken(grant);
      await rotate(ctx.store, token.id, successor, T0 + 1, 0);
      expect(await rotate(ctx.store, token.id, successor, T0 + 1, 0)).toMatchObject({ status: 'reused' });
    });

    it('refuses missing, revoked and expired tokens and tokens of revoked grants, writing nothing', async () => {
      const { grant, token } = await seedFamily(ctx.store);
      const check = async (id: string, at: number) => {
        const successor = makeRefreshToken(grant);
        expect(await rotate(ctx.store, id, successor, at, 10_000)).toEqual({ status: 'invalid' });
        expect(await ctx.store.getRefreshToken(successor.id)).toBeUndefined();
      };
      await check(uid('missing'), T0);
      // Expired exactly at expiresAt.
      await check(token.id, token.expiresAt);
      expect((await ctx.store.getRefreshToken(token.id))?.rotatedAt).toBeNull();

      const revokedToken = makeRefreshToken(grant);
      await rotate(ctx.store, token.id, revokedToken, T0 + 1, 10_000);
      await ctx.store.revokeRefreshToken(revokedToken.id, T0 + 2);
      await check(revokedToken.id, T0 + 3);

      const family = await seedFamily(ctx.store);
      await ctx.store.revokeGrant(family.grant.id, T0, 'x');
      // revokeGrant revoked the token too; flip it back to prove the grant check stands alone.
      await raw(ctx.store)
        .updateTable('gatehouse_refresh_tokens')
        .set({ revoked_at: null })
        .where('id', '=', family.token.id)
        .execute();
      const successor = makeRefreshToken(family.grant);
      expect(await rotate(ctx.store, family.token.id, successor, T0 + 1, 10_000)).toEqual({
        status: 'invalid',
      });
      expect((await ctx.store.getRefreshToken(family.token.id))?.rotatedAt).toBeNull();
    });

    it("the successor always joins the presented token's grant and client: a family never splits", async () => {
      const a = await seedFamily(ctx.store);
      const b = await seedFamily(ctx.store);
      const successor = makeRefreshToken(b.grant, { createdAt: T0 + 1 });
      expect((await rotate(ctx.store, a.token.id, successor, T0 + 1, 0)).status).toBe('rotated');
      expect(await ctx.store.getRefreshToken(successor.id)).toEqual({
        ...successor,
        grantId: a.grant.id,
        clientId: a.token.clientId,
      });
    });

    it('the swap alone: writes nothing when the token is not live, and returns the state to decide on', async () => {
      const { grant, token } = await seedFamily(ctx.store);
      const successor = makeRefreshToken(grant, { createdAt: T0 + 1 });
      expect(await ctx.store.rotateRefreshToken(token.id, successor, T0 + 1)).toEqual({
        swapped: true,
        grant,
      });
      expect(await ctx.other.rotateRefreshToken(token.id, successor, T0 + 2)).toEqual({
        swapped: false,
        token: { ...token, rotatedAt: T0 + 1 },
        successor,
        grant,
      });
      expect(await ctx.store.rotateRefreshToken(uid('missing'), successor, T0 + 2)).toBeUndefined();
      await ctx.store.revokeGrant(grant.id, T0 + 3, 'x');
      const after = await ctx.store.rotateRefreshToken(successor.id, makeRefreshToken(grant), T0 + 4);
      expect(after).toMatchObject({ swapped: false, grant: undefined });
    });

    it('revokeRefreshToken revokes only that token', async () => {
      const { grant, token } = await seedFamily(ctx.store);
      const sibling = makeRefreshToken(grant);
      await rotate(ctx.store, token.id, sibling, T0 + 1, 0);
      await ctx.store.revokeRefreshToken(sibling.id, T0 + 2);
      await ctx.store.revokeRefreshToken(sibling.id, T0 + 3);
      expect((await ctx.store.getRefreshToken(sibling.id))?.revokedAt).toBe(T0 + 2);
      expect((await ctx.store.getRefreshToken(token.id))?.revokedAt).toBeNull();
      expect((await ctx.store.getGrant(grant.id))?.revokedAt).toBeNull();
    });
  });
}
