/** Signing keys, audit events, rate limits and purging. */
import { describe, expect, it } from 'vitest';
import type { SigningKeyRecord } from '../../../src/store/types.js';
import { raw, type SuiteContext } from '../context.js';
import {
  createGrant,
  DAY,
  HOUR,
  MINUTE,
  makeCode,
  makeKey,
  makeRefreshToken,
  makeSession,
  seedFamily,
  T0,
  uid,
} from '../fixtures.js';

const stateOf = (keys: SigningKeyRecord[]) => Object.fromEntries(keys.map((k) => [k.kid, k.state]));

export function operationsSuite(ctx: SuiteContext): void {
  describe('signing keys', () => {
    it('ensureSigningKeys inserts active and next into an empty table, and changes nothing afterwards', async () => {
      const store = await ctx.freshStore();
      expect(await store.listSigningKeys()).toEqual([]);
      const active = makeKey({ state: 'active' });
      const next = makeKey({ state: 'next', createdAt: T0 + 1 });
      const keys = await store.ensureSigningKeys(active, next);
      expect(keys).toEqual([
        { ...active, state: 'active', retireAt: null },
        { ...next, state: 'next', retireAt: null },
      ]);
      expect(await store.ensureSigningKeys(makeKey(), makeKey())).toEqual(keys);
      expect(await store.listSigningKeys()).toEqual(keys);
    });

    it('rotateSigningKeys needs initialActive when there is no key, then promotes next and retires active', async () => {
      const store = await ctx.freshStore();
      const first = makeKey();
      await expect(store.rotateSigningKeys({ newNext: first, retireAt: T0 + DAY, at: T0 })).rejects.toThrow(
        /initialActive/,
      );
      expect(await store.listSigningKeys()).toEqual([]);

      const initial = makeKey({ createdAt: T0 - 1 });
      const boot = await store.rotateSigningKeys({
        newNext: first,
        initialActive: initial,
        retireAt: T0,
        at: T0,
      });
      expect(stateOf(boot)).toEqual({ [initial.kid]: 'active', [first.kid]: 'next' });

      const second = makeKey({ createdAt: T0 + 1 });
      const rotated = await store.rotateSigningKeys({ newNext: second, retireAt: T0 + DAY, at: T0 + 1 });
      expect(stateOf(rotated)).toEqual({
        [initial.kid]: 'retiring',
        [first.kid]: 'active',
        [second.kid]: 'next',
      });
      expect(rotated.find((k) => k.kid === initial.kid)?.retireAt).toBe(T0 + DAY);
      expect(rotated.find((k) => k.kid === first.kid)?.retireAt).toBeNull();

      // Next rotation, after the first retiring key's retireAt: it is gone.
      const third = makeKey({ createdAt: T0 + 2 });
      const later = await store.rotateSigningKeys({ newNext: third, retireAt: T0 + 3 * DAY, at: T0 + DAY });
      expect(stateOf(later)).toEqual({
        [first.kid]: 'retiring',
        [second.kid]: 'active',
        [third.kid]: 'next',
      });
      expect(await store.listSigningKeys()).toEqual(later);
    });

    it('rotateSigningKeys stores when the promoted key signs; a key replaced before that time is stored as never signing', async () => {
      const store = await ctx.freshStore();
      const [active, next] = [makeKey({ state: 'active' }), makeKey({ createdAt: T0 + 1 })];
      await store.ensureSigningKeys(active, next);
      const second = makeKey({ createdAt: T0 + 2 });
      const scheduled = await store.rotateSigningKeys({
        newNext: second,
        retireAt: T0 + DAY,
        activateAt: T0 + HOUR,
        at: T0 + 2,
      });
      const byKid = (keys: SigningKeyRecord[], kid: string) => keys.find((k) => k.kid === kid)!;
      expect(byKid(scheduled, next.kid)).toMatchObject({ state: 'active', activateAt: T0 + HOUR });
      expect(byKid(scheduled, active.kid)).toMatchObject({
        state: 'retiring',
        activateAt: null,
        retireAt: T0 + DAY,
      });
      expect(byKid(scheduled, second.kid)).toMatchObject({ state: 'next', activateAt: null });

      // Forced before T0 + HOUR: the scheduled key never signed, so it keeps no activation time.
      const third = makeKey({ createdAt: T0 + 3 });
      const forced = await store.rotateSigningKeys({
        newNext: third,
        retireAt: T0 + DAY,
        activateAt: T0 + 3,
        at: T0 + 3,
      });
      expect(byKid(forced, second.kid)).toMatchObject({ state: 'active', activateAt: T0 + 3 });
      expect(byKid(forced, next.kid)).toMatchObject({ state: 'retiring', activateAt: null });

      // Replaced after it signed: it keeps its activation time.
      const fourth = makeKey({ createdAt: T0 + 4 });
      const later = await store.rotateSigningKeys({
        newNext: fourth,
        retireAt: T0 + DAY,
        activateAt: T0 + 9,
        at: T0 + 4,
      });
      expect(byKid(later, second.kid)).toMatchObject({ state: 'retiring', activateAt: T0 + 3 });
      expect(byKid(later, third.kid)).toMatchObject({ state: 'active', activateAt: T0 + 9 });
    });

    it('rotateSigningKeys with expect changes nothing when the active or next key is no longer the expected one', async () => {
      const store = await ctx.freshStore();
      const [active, next] = [makeKey({ state: 'active' }), makeKey({ createdAt: T0 + 1 })];
      const before = await store.ensureSigningKeys(active, next);
      for (const expect_ of [
        { active: active.kid, next: 'someone-else' },
        { active: 'someone-else', next: next.kid },
        { active: null, next: next.kid },
      ]) {
        const stale = makeKey({ createdAt: T0 + 2 });
        const keys = await store.rotateSigningKeys({
          newNext: stale,
          retireAt: T0 + DAY,
          at: T0 + 2,
          expect: expect_,
        });
        expect(keys).toEqual(before);
        expect(keys.some((k) => k.kid === stale.kid)).toBe(false);
      }
      const fresh = makeKey({ createdAt: T0 + 2 });
      const keys = await store.rotateSigningKeys({
        newNext: fresh,
        retireAt: T0 + DAY,
        at: T0 + 2,
        expect: { active: active.kid, next: next.kid },
      });
      expect(stateOf(keys)).toEqual({ [active.kid]: 'retiring', [next.kid]: 'active', [fresh.kid]: 'next' });
    });

    it('a database constraint forbids a second active key', async () => {
      const store = await ctx.freshStore();
      await store.ensureSigningKeys(makeKey(), makeKey());
      const extra = makeKey();
      await expect(
        raw(store)
          .insertInto('gatehouse_signing_keys')
          .values({
            kid: extra.kid,
            alg: extra.alg,
            state: 'active',
            public_jwk: extra.publicJwk,
            private_jwk_encrypted: extra.privateJwkEncrypted,
            created_at: extra.createdAt,
            retire_at: null,
          })
          .execute(),
      ).rejects.toThrow();
    });
  });

  describe('audit events', () => {
    it('records events and lists them newest first with every field', async () => {
      const type = uid('audit');
      await ctx.store.recordAuditEvent({ type }, T0);
      await ctx.other.recordAuditEvent(
        {
          type,
          clientId: 'c1',
          userId: 'u1',
          actor: 'admin@example.com',
          ip: '203.0.113.9',
          userAgent: 'curl/8',
          detail: { reason: 'test', n: 2, list: ['a'] },
        },
        T0 + 1,
      );
      const events = await ctx.store.listAuditEvents({ type });
      expect(events).toHaveLength(2);
      expect(events[0]).toEqual({
        id: expect.any(Number),
        at: T0 + 1,
        type,
        clientId: 'c1',
        userId: 'u1',
        actor: 'admin@example.com',
        ip: '203.0.113.9',
        userAgent: 'curl/8',
        detail: { reason: 'test', n: 2, list: ['a'] },
      });
      expect(events[1]).toEqual({
        id: expect.any(Number),
        at: T0,
        type,
        clientId: null,
        userId: null,
        actor: null,
        ip: null,
        userAgent: null,
        detail: {},
      });
      expect(events[0]!.id).toBeGreaterThan(events[1]!.id);
    });

    it('filters by type, client, user and time range, and pages with before', async () => {
      const type = uid('filter');
      const client = uid('client');
      const user = uid('user');
      for (let i = 0; i < 6; i++) {
        await ctx.store.recordAuditEvent(
          { type, clientId: i % 2 === 0 ? client : null, userId: i < 3 ? user : null },
          T0 + i * 1000,
        );
      }
      const all = await ctx.store.listAuditEvents({ type });
      expect(all.map((e) => e.at)).toEqual([5, 4, 3, 2, 1, 0].map((i) => T0 + i * 1000));
      expect((await ctx.store.listAuditEvents({ clientId: client })).map((e) => e.at)).toEqual(
        [4, 2, 0].map((i) => T0 + i * 1000),
      );
      expect((await ctx.store.listAuditEvents({ userId: user, clientId: client })).map((e) => e.at)).toEqual(
        [2, 0].map((i) => T0 + i * 1000),
      );
      expect(
        (await ctx.store.listAuditEvents({ type, since: T0 + 1000, until: T0 + 3000 })).map((e) => e.at),
      ).toEqual([3, 2, 1].map((i) => T0 + i * 1000));

      const page1 = await ctx.store.listAuditEvents({ type, limit: 4 });
      const page2 = await ctx.store.listAuditEvents({ type, limit: 4, before: page1.at(-1)!.id });
      expect([...page1, ...page2]).toEqual(all);
      expect(page2).toHaveLength(2);
    });

    it('returns 100 events by default and never more than 1000', async () => {
      const type = uid('bulk');
      const batch = Array.from({ length: 1005 }, (_, i) => i);
      for (let i = 0; i < batch.length; i += 50) {
        await Promise.all(batch.slice(i, i + 50).map((n) => ctx.store.recordAuditEvent({ type }, T0 + n)));
      }
      expect(await ctx.store.listAuditEvents({ type })).toHaveLength(100);
      expect(await ctx.store.listAuditEvents({ type, limit: 5000 })).toHaveLength(1000);
    });
  });

  describe('rate limits', () => {
    it('counts hits in a fixed window, disallows past the limit and reports seconds until the window ends', async () => {
      const key = uid('login');
      const windowMs = 60_000;
      const start = Math.floor(T0 / windowMs) * windowMs;
      expect(await ctx.store.hitRateLimit(key, 2, windowMs, start + 500)).toEqual({
        allowed: true,
        count: 1,
        retryAfter: 60,
      });
      expect(await ctx.other.hitRateLimit(key, 2, windowMs, start + 1000)).toEqual({
        allowed: true,
        count: 2,
        retryAfter: 59,
      });
      expect(await ctx.store.hitRateLimit(key, 2, windowMs, start + 59_999)).toEqual({
        allowed: false,
        count: 3,
        retryAfter: 1,
      });
      // The next window starts from zero.
      expect(await ctx.store.hitRateLimit(key, 2, windowMs, start + windowMs)).toEqual({
        allowed: true,
        count: 1,
        retryAfter: 60,
      });
    });

    it('resetRateLimit clears the counter of one key only', async () => {
      const key = uid('k');
      const other = uid('k');
      for (let i = 0; i < 3; i++) await ctx.store.hitRateLimit(key, 5, MINUTE, T0);
      await ctx.store.hitRateLimit(other, 5, MINUTE, T0);
      await ctx.store.resetRateLimit(key);
      expect((await ctx.store.hitRateLimit(key, 5, MINUTE, T0)).count).toBe(1);
      expect((await ctx.store.hitRateLimit(other, 5, MINUTE, T0)).count).toBe(2);
    });

    it('refundRateLimit takes back exactly one hit per call, in that window only, never below zero, under concurrency', async () => {
      const key = uid('refund');
      const start = Math.floor(T0 / MINUTE) * MINUTE;
      await Promise.all(Array.from({ length: 10 }, () => ctx.store.hitRateLimit(key, 100, MINUTE, start)));
      await ctx.store.hitRateLimit(key, 100, MINUTE, start + MINUTE);
      await Promise.all([
        ...Array.from({ length: 4 }, () => ctx.store.refundRateLimit(key, MINUTE, start + 10)),
        ...Array.from({ length: 3 }, () => ctx.other.refundRateLimit(key, MINUTE, start + 20)),
      ]);
      expect((await ctx.store.hitRateLimit(key, 100, MINUTE, start)).count).toBe(4);
      // The next window was not touched.
      expect((await ctx.store.hitRateLimit(key, 100, MINUTE, start + MINUTE)).count).toBe(2);
      for (let i = 0; i < 8; i++) await ctx.other.refundRateLimit(key, MINUTE, start);
      expect((await ctx.store.hitRateLimit(key, 100, MINUTE, start)).count).toBe(1);
      // A key that was never hit stays absent.
      await ctx.store.refundRateLimit(uid('never'), MINUTE, start);
    });

    it('claimOnce: exactly one of concurrent claims on two instances wins, and it stays claimed across clock windows until it expires', async () => {
      const key = uid('once');
      // Ends just past a clock hour: a clock window of an hour would have ended before it.
      const expiresAt = (Math.floor(T0 / HOUR) + 1) * HOUR + MINUTE;
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? ctx.other : ctx.store).claimOnce(key, expiresAt)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      await ctx.store.purgeExpired(expiresAt - 1);
      expect(await ctx.other.claimOnce(key, expiresAt)).toBe(false);
      // Gone with the housekeeping once expired; other keys are their own.
      await ctx.store.purgeExpired(expiresAt);
      expect(await ctx.store.claimOnce(key, expiresAt + HOUR)).toBe(true);
      expect(await ctx.store.claimOnce(uid('once'), expiresAt)).toBe(true);
    });
  });

  describe('purgeExpired', () => {
    it('deletes expired rows, keeps consumed codes an hour past expiry, and leaves live rows alone', async () => {
      const now = T0 + 10 * DAY;
      const { user, client, grant } = await seedFamily(ctx.store);
      const codeOld = makeCode(user.id, client.client_id, { expiresAt: now - HOUR - 1 });
      const codeRecent = makeCode(user.id, client.client_id, {
        expiresAt: now - HOUR + 1,
        consumedAt: now - HOUR,
      });
      const codeLive = makeCode(user.id, client.client_id, { expiresAt: now + MINUTE });
      for (const c of [codeOld, codeRecent, codeLive]) await ctx.store.createAuthorizationCode(c);

      const rtExpired = makeRefreshToken(grant, { expiresAt: now - 1 });
      const rtLive = makeRefreshToken(grant, { expiresAt: now + DAY });
      const expiredGrant = { ...grant, id: uid('grant') };
      await createGrant(ctx.store, expiredGrant, { ...rtExpired, grantId: expiredGrant.id });
      const liveGrant = { ...grant, id: uid('grant') };
      await createGrant(ctx.store, liveGrant, { ...rtLive, grantId: liveGrant.id });

      const sessionOld = makeSession(user.id, { expiresAt: now - 1 });
      const sessionLive = makeSession(user.id, { expiresAt: now + 1 });
      for (const s of [sessionOld, sessionLive]) await ctx.store.createBrowserSession(s);

      const jtiOld = uid('jti');
      const jtiLive = uid('jti');
      await ctx.store.revokeAccessToken(jtiOld, now - 1);
      await ctx.store.revokeAccessToken(jtiLive, now + 1);

      const keyOld = uid('rl');
      const keyRecent = uid('rl');
      await ctx.store.hitRateLimit(keyOld, 5, MINUTE, now - DAY - 2 * MINUTE);
      // Still running at `now` (windows end-and-go since issue 11; test/store/suites/retention.ts).
      await ctx.store.hitRateLimit(keyRecent, 5, HOUR, now - MINUTE);

      await ctx.store.purgeExpired(now);

      expect(await ctx.store.getAuthorizationCode(codeOld.id)).toBeUndefined();
      expect(await ctx.store.getAuthorizationCode(codeRecent.id)).toBeDefined();
      expect(await ctx.store.getAuthorizationCode(codeLive.id)).toBeDefined();
      expect(await ctx.store.getRefreshToken(rtExpired.id)).toBeUndefined();
      expect(await ctx.store.getRefreshToken(rtLive.id)).toBeDefined();
      expect(await ctx.store.getBrowserSession(sessionOld.id)).toBeUndefined();
      expect(await ctx.store.getBrowserSession(sessionLive.id)).toBeDefined();
      expect(await ctx.store.isAccessTokenRevoked(jtiOld)).toBe(false);
      expect(await ctx.store.isAccessTokenRevoked(jtiLive)).toBe(true);
      const windows = await raw(ctx.store)
        .selectFrom('gatehouse_rate_limits')
        .select('key')
        .where('key', 'in', [keyOld, keyRecent])
        .execute();
      expect(windows.map((w) => w.key)).toEqual([keyRecent]);
      // Grants themselves are not housekeeping's business.
      expect(await ctx.store.getGrant(expiredGrant.id)).toBeDefined();
    });
  });
}
