/** Authorization codes, grants, refresh tokens and the access-token denylist (sequential behaviour). */
import { describe, expect, it } from 'vitest';
import { rotateRefreshToken as rotate } from '../../../src/grants/refresh-rotation.js';
import { UniqueViolation } from '../../../src/store/types.js';
import type { SuiteContext } from '../context.js';
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
