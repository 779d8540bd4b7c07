/** Authorization codes, grants, refresh tokens and the access-token denylist (sequential behaviour). */
import { describe, expect, it } from 'vitest';
import { rotateRefreshToken as rotate } from '../../../src/grants/refresh-rotation.js';
import { UniqueViolation } from '../../../src/store/types.js';
import { raw, type SuiteContext } from '../context.js';
import {
  createGrant,
  makeClient,
  makeCode,
  makeGrant,
  makeRefreshToken,
  makeUser,
  NO_AUDIT,
  seedFamily,
  T0,
  uid,
} from '../fixtures.js';

export function tokensSuite(ctx: SuiteContext): void {
  describe('authorization codes', () => {
    it('stores a code and returns it unchanged', async () => {
      const { user, client } = await seedFamily(ctx.store);
      const code = makeCode(user.id, client.client_id, {
        redirectUriExplicit: false,
        codeChallenge: null,
        codeChallengeMethod: null,
        nonce: 'n-0S6_WzA2Mj',
        sessionId: uid('sess'),
      });
      await ctx.store.createAuthorizationCode(code);
      expect(await ctx.store.getAuthorizationCode(code.id)).toEqual(code);
      expect(await ctx.store.getAuthorizationCode(uid('missing'))).toBeUndefined();
    });

    it('redeems a code once, creating its grant, refresh token and audit event; a replay, or an unknown code, gets already_consumed and writes nothing', async () => {
      const { user, client } = await seedFamily(ctx.store);
      const code = makeCode(user.id, client.client_id);
      await ctx.store.createAuthorizationCode(code);
      const grant = makeGrant(user.id, client.client_id, { id: code.grantId, createdAt: T0 + 1 });
      const refreshToken = makeRefreshToken(grant);
      const audit = { ip: '192.0.2.1', userAgent: 'ua' };
      const issued = { type: 'token.issued', clientId: client.client_id };

      expect(
        await ctx.store.redeemAuthorizationCode({ id: code.id, at: T0 + 1, grant, refreshToken, audit }),
      ).toEqual({ status: 'redeemed', user });
      expect(await ctx.store.getAuthorizationCode(code.id)).toEqual({ ...code, consumedAt: T0 + 1 });
      expect(await ctx.store.getGrant(grant.id)).toEqual(grant);
      expect(await ctx.store.getRefreshToken(refreshToken.id)).toEqual(refreshToken);
      const issuedFor = async (grantId: string) =>
        (await ctx.store.listAuditEvents(issued)).filter((e) => e.detail.grantId === grantId);
      expect(await issuedFor(grant.id)).toMatchObject([
        {
          at: T0 + 1,
          userId: user.id,
          ip: '192.0.2.1',
          userAgent: 'ua',
          detail: { grant_type: 'authorization_code', grantId: grant.id },
        },
      ]);

      const again = makeRefreshToken(grant);
      expect(
        await ctx.other.redeemAuthorizationCode({
          id: code.id,
          at: T0 + 2,
          grant,
          refreshToken: again,
          audit,
        }),
      ).toEqual({ status: 'already_consumed' });
      expect(await ctx.store.getRefreshToken(again.id)).toBeUndefined();
      expect(await issuedFor(grant.id)).toHaveLength(1);
      expect(
        await ctx.store.redeemAuthorizationCode({
          id: uid('missing'),
          at: T0,
          grant: makeGrant(user.id, client.client_id),
          audit,
        }),
      ).toEqual({ status: 'already_consumed' });
    });

    it('a code spent through another instance cannot be redeemed again through the instance that created it', async () => {
      const { user, client } = await seedFamily(ctx.store);
      const code = makeCode(user.id, client.client_id);
      await ctx.store.createAuthorizationCode(code);
      const grant = makeGrant(user.id, client.client_id, { id: code.grantId, createdAt: T0 + 1 });
      const redeem = (store: typeof ctx.store, at: number) =>
        store.redeemAuthorizationCode({ id: code.id, at, grant, audit: NO_AUDIT });
      expect((await redeem(ctx.other, T0 + 1)).status).toBe('redeemed');
      expect(await redeem(ctx.store, T0 + 2)).toEqual({ status: 'already_consumed' });
      expect((await ctx.store.getAuthorizationCode(code.id))?.consumedAt).toBe(T0 + 1);
    });

    it('redeeming a code of a disabled user consumes it and creates nothing', async () => {
      const { client } = await seedFamily(ctx.store);
      const user = makeUser({ disabledAt: T0 });
      await ctx.store.createUser(user);
      const code = makeCode(user.id, client.client_id);
      await ctx.store.createAuthorizationCode(code);
      const grant = makeGrant(user.id, client.client_id, { id: code.grantId });
      const refreshToken = makeRefreshToken(grant);
      expect(
        await ctx.store.redeemAuthorizationCode({
          id: code.id,
          at: T0 + 1,
          grant,
          refreshToken,
          audit: NO_AUDIT,
        }),
      ).toEqual({
        status: 'user_inactive',
      });
      expect((await ctx.store.getAuthorizationCode(code.id))?.consumedAt).toBe(T0 + 1);
      expect(await ctx.store.getGrant(grant.id)).toBeUndefined();
      expect(await ctx.store.getRefreshToken(refreshToken.id)).toBeUndefined();
    });

    it('redemption fails as a whole when the grant exists already: the code stays unconsumed', async () => {
      const { user, client } = await seedFamily(ctx.store);
      const code = makeCode(user.id, client.client_id);
      await ctx.store.createAuthorizationCode(code);
      const revoked = makeGrant(user.id, client.client_id, {
        id: code.grantId,
        revokedAt: T0,
        revokedReason: 'replay',
      });
      await createGrant(ctx.store, revoked);
      const grant = { ...revoked, revokedAt: null, revokedReason: null };
      const refreshToken = makeRefreshToken(grant);
      await expect(
        ctx.store.redeemAuthorizationCode({ id: code.id, at: T0 + 1, grant, refreshToken, audit: NO_AUDIT }),
      ).rejects.toBeInstanceOf(UniqueViolation);
      expect((await ctx.store.getAuthorizationCode(code.id))?.consumedAt).toBeNull();
      expect(await ctx.store.getGrant(grant.id)).toEqual(revoked);
      expect(await ctx.store.getRefreshToken(refreshToken.id)).toBeUndefined();
    });

    it('refuses a revoked grant or a refresh token of another grant, writing nothing', async () => {
      const { user, client, grant: other } = await seedFamily(ctx.store);
      const code = makeCode(user.id, client.client_id);
      await ctx.store.createAuthorizationCode(code);
      const grant = makeGrant(user.id, client.client_id, { id: code.grantId });
      await expect(
        ctx.store.redeemAuthorizationCode({
          id: code.id,
          at: T0 + 1,
          grant,
          refreshToken: makeRefreshToken(other),
          audit: NO_AUDIT,
        }),
      ).rejects.toThrow(/must belong/);
      await expect(
        ctx.store.redeemAuthorizationCode({
          id: code.id,
          at: T0 + 1,
          grant: { ...grant, revokedAt: T0 },
          audit: NO_AUDIT,
        }),
      ).rejects.toThrow(/must not be revoked/);
      expect((await ctx.store.getAuthorizationCode(code.id))?.consumedAt).toBeNull();
    });
  });

  describe('the grant a redemption creates', () => {
    it('records the client authentication method on the grant, and reads it back with the refresh token (NULL reads as absent)', async () => {
      const { user, client } = await seedFamily(ctx.store);
      const code = makeCode(user.id, client.client_id);
      await ctx.store.createAuthorizationCode(code);
      const grant = makeGrant(user.id, client.client_id, {
        id: code.grantId,
        clientAuthMethod: 'private_key_jwt',
      });
      const token = makeRefreshToken(grant);
      const redeemed = await ctx.store.redeemAuthorizationCode({
        id: code.id,
        at: T0 + 6,
        grant,
        refreshToken: token,
        audit: NO_AUDIT,
      });
      expect(redeemed.status).toBe('redeemed');
      expect(await ctx.other.getGrant(grant.id)).toEqual(grant);
      expect((await ctx.other.getRefreshTokenWithGrant(token.id))?.grant).toEqual(grant);

      const unknown = makeGrant(user.id, client.client_id);
      await createGrant(ctx.store, unknown);
      const read = await ctx.other.getGrant(unknown.id);
      expect(read).toEqual(unknown);
      expect(read).not.toHaveProperty('clientAuthMethod');
    });
  });

  describe('gatehouse_grants', () => {
    it('creates a grant with its first refresh token', async () => {
      const { grant, token } = await seedFamily(ctx.store);
      expect(await ctx.store.getGrant(grant.id)).toEqual(grant);
      expect(await ctx.store.getRefreshToken(token.id)).toEqual(token);
      expect(await ctx.store.getGrant(uid('missing'))).toBeUndefined();
      expect(await ctx.store.getRefreshToken(uid('missing'))).toBeUndefined();
    });

    it('creates a grant without a refresh token', async () => {
      const { user, client } = await seedFamily(ctx.store);
      const grant = makeGrant(user.id, client.client_id, { sessionId: uid('sess') });
      await createGrant(ctx.store, grant);
      expect(await ctx.store.getGrant(grant.id)).toEqual(grant);
    });

    it('rejects a second grant with the same id and stores nothing of it', async () => {
      const { user, client, grant } = await seedFamily(ctx.store);
      const again = makeGrant(user.id, client.client_id, { id: grant.id, scope: 'other' });
      const token = makeRefreshToken(again);
      await expect(createGrant(ctx.other, again, token)).rejects.toBeInstanceOf(UniqueViolation);
      expect(await ctx.store.getGrant(grant.id)).toEqual(grant);
      expect(await ctx.store.getRefreshToken(token.id)).toBeUndefined();
    });

    it('rejects a first refresh token that belongs to another grant', async () => {
      const { user, client, grant } = await seedFamily(ctx.store);
      const fresh = makeGrant(user.id, client.client_id);
      await expect(createGrant(ctx.store, fresh, makeRefreshToken(grant))).rejects.toThrow(/must belong/);
      expect(await ctx.store.getGrant(fresh.id)).toBeUndefined();
    });

    it('revokeGrant revokes the grant and all its refresh tokens, idempotently', async () => {
      const { grant, token } = await seedFamily(ctx.store);
      const sibling = makeRefreshToken(grant);
      await rotate(ctx.store, token.id, sibling, T0 + 1, 0);

      expect(await ctx.store.revokeGrant(grant.id, T0 + 10, 'user_logout')).toBe(true);
      expect(await ctx.store.getGrant(grant.id)).toEqual({
        ...grant,
        revokedAt: T0 + 10,
        revokedReason: 'user_logout',
      });
      expect((await ctx.store.getRefreshToken(token.id))?.revokedAt).toBe(T0 + 10);
      expect((await ctx.store.getRefreshToken(sibling.id))?.revokedAt).toBe(T0 + 10);

      expect(await ctx.store.revokeGrant(grant.id, T0 + 20, 'again')).toBe(true);
      expect((await ctx.store.getGrant(grant.id))?.revokedReason).toBe('user_logout');
      expect(await ctx.store.revokeGrant(uid('missing'), T0, 'x')).toBe(false);
    });

    it('revokeGrants revokes by user or by client, with their refresh tokens, and counts newly revoked grants', async () => {
      const [u1, u2] = [makeUser(), makeUser()];
      const [c1, c2] = [makeClient(), makeClient()];
      for (const u of [u1, u2]) await ctx.store.createUser(u);
      for (const c of [c1, c2]) await ctx.store.createClient(c);
      const family = new Map<string, { grantId: string; tokenId: string }>();
      for (const u of [u1, u2]) {
        for (const c of [c1, c2]) {
          const g = makeGrant(u.id, c.client_id);
          const t = makeRefreshToken(g);
          await createGrant(ctx.store, g, t);
          family.set(`${u.id}/${c.client_id}`, { grantId: g.id, tokenId: t.id });
        }
      }
      const of = (u: { id: string }, c: { client_id: string }) => family.get(`${u.id}/${c.client_id}`)!;

      expect(await ctx.store.revokeGrants({ userId: u1.id }, T0 + 1, 'password_reset')).toBe(2);
      expect(await ctx.store.revokeGrants({ clientId: c1.client_id }, T0 + 2, 'client_disabled')).toBe(1);
      expect(await ctx.store.revokeGrants({ userId: u2.id, clientId: c2.client_id }, T0 + 3, 'x')).toBe(1);
      expect(await ctx.store.revokeGrants({ userId: u1.id }, T0 + 4, 'again')).toBe(0);

      expect((await ctx.store.getGrant(of(u1, c2).grantId))?.revokedReason).toBe('password_reset');
      expect((await ctx.store.getGrant(of(u2, c1).grantId))?.revokedReason).toBe('client_disabled');
      expect((await ctx.store.getRefreshToken(of(u1, c1).tokenId))?.revokedAt).toBe(T0 + 1);
      expect((await ctx.store.getRefreshToken(of(u2, c1).tokenId))?.revokedAt).toBe(T0 + 2);
      expect((await ctx.store.getRefreshToken(of(u2, c2).tokenId))?.revokedAt).toBe(T0 + 3);
      await expect(ctx.store.revokeGrants({}, T0, 'all')).rejects.toThrow(/userId or a clientId/);
    });

    it('listGrants filters by user, client and activeness', async () => {
      const { user, client, grant } = await seedFamily(ctx.store);
      const second = makeGrant(user.id, client.client_id, { createdAt: T0 + 5 });
      await createGrant(ctx.store, second);
      const otherClient = makeClient();
      await ctx.store.createClient(otherClient);
      const third = makeGrant(user.id, otherClient.client_id);
      await createGrant(ctx.store, third);
      await ctx.store.revokeGrant(grant.id, T0 + 9, 'x');

      const byUser = await ctx.store.listGrants({ userId: user.id });
      expect(byUser.map((g) => g.id).sort()).toEqual([grant.id, second.id, third.id].sort());
      expect((await ctx.store.listGrants({ clientId: client.client_id })).map((g) => g.id)).toEqual([
        second.id,
        grant.id,
      ]);
      expect(
        (await ctx.store.listGrants({ userId: user.id, clientId: client.client_id, activeOnly: true })).map(
          (g) => g.id,
        ),
      ).toEqual([second.id]);
    });
  });

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

  describe('access-token denylist', () => {
    it('records a revoked jti idempotently and answers isAccessTokenRevoked', async () => {
      const jti = uid('jti');
      expect(await ctx.store.isAccessTokenRevoked(jti)).toBe(false);
      await ctx.store.revokeAccessToken(jti, T0 + 3600_000);
      await ctx.other.revokeAccessToken(jti, T0 + 3600_000);
      expect(await ctx.store.isAccessTokenRevoked(jti)).toBe(true);
      expect(await ctx.other.isAccessTokenRevoked(jti)).toBe(true);
    });
  });
}
