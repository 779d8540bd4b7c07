/**
 * Concurrency rules of the contract, with real parallelism: on PostgreSQL the calls run on pools of 20
 * connections; on both backends they are split across two independent Store instances.
 */
import { describe, expect, it } from 'vitest';
import { rotateRefreshToken as rotate } from '../../../src/grants/refresh-rotation.js';
import type { Store } from '../../../src/store/types.js';
import { MIGRATION_COUNT, raw, type SuiteContext } from '../context.js';
import {
  createGrant,
  makeCode,
  makeConsent,
  makeGrant,
  makeKey,
  makeRefreshToken,
  NO_AUDIT,
  seedFamily,
  T0,
} from '../fixtures.js';

const PARALLEL = 20;

/** Runs `n` calls at once, alternating between the two instances. */
function inParallel<T>(
  ctx: SuiteContext,
  n: number,
  call: (store: Store, i: number) => Promise<T>,
): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => call(i % 2 === 0 ? ctx.store : ctx.other, i)));
}

const tally = (statuses: string[]) =>
  statuses.reduce<Record<string, number>>((acc, s) => {
    acc[s] = (acc[s] ?? 0) + 1;
    return acc;
  }, {});

/** The grant's refresh tokens that could still be exchanged: neither rotated nor revoked. */
async function liveTokens(ctx: SuiteContext, grantId: string): Promise<string[]> {
  const rows = await raw(ctx.store)
    .selectFrom('gatehouse_refresh_tokens')
    .select('id')
    .where('grant_id', '=', grantId)
    .where('rotated_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
  return rows.map((r) => r.id);
}

export function concurrencySuite(ctx: SuiteContext): void {
  describe('concurrency', () => {
    it('exactly one of 20 parallel redemptions of one code succeeds and creates the grant; the others see it already consumed and write nothing', async () => {
      const { user, client } = await seedFamily(ctx.store);
      const code = makeCode(user.id, client.client_id);
      await ctx.store.createAuthorizationCode(code);
      const grant = makeGrant(user.id, client.client_id, { id: code.grantId });
      const tokens = Array.from({ length: PARALLEL }, () => makeRefreshToken(grant));

      const results = await inParallel(ctx, PARALLEL, (s, i) =>
        s.redeemAuthorizationCode({
          id: code.id,
          at: T0 + 1 + i,
          grant,
          refreshToken: tokens[i],
          audit: NO_AUDIT,
        }),
      );
      expect(tally(results.map((r) => r.status))).toEqual({ redeemed: 1, already_consumed: PARALLEL - 1 });
      const consumedAt = (await ctx.store.getAuthorizationCode(code.id))?.consumedAt;
      for (const [i, r] of results.entries()) {
        if (r.status === 'already_consumed') {
          expect(consumedAt).toBeGreaterThan(T0);
          expect(await ctx.store.getRefreshToken(tokens[i]!.id)).toBeUndefined();
        } else {
          expect(await ctx.store.getRefreshToken(tokens[i]!.id)).toEqual(tokens[i]);
        }
      }
      expect(await ctx.store.getGrant(grant.id)).toEqual(grant);
    });

    it('20 parallel refreshes of one token within the grace window all succeed with the one same successor; the family does not branch', async () => {
      const { client, grant, token } = await seedFamily(ctx.store);
      const successor = makeRefreshToken(grant, { createdAt: T0 + 1 });

      const results = await inParallel(ctx, PARALLEL, (s) => rotate(s, token.id, successor, T0 + 1, 10_000));
      expect(tally(results.map((r) => r.status))).toEqual({ rotated: 1, retried: PARALLEL - 1 });
      expect(await ctx.store.getRefreshToken(successor.id)).toEqual(successor);
      expect(await liveTokens(ctx, grant.id)).toEqual([successor.id]);
      const grants = await ctx.store.listGrants({ clientId: client.client_id });
      expect(grants.map((g) => g.id)).toEqual([grant.id]);
      expect(grants[0]?.revokedAt).toBeNull();
    });

    it('without a grace window, one of 20 parallel refreshes rotates and the rest are reuse that revokes the grant', async () => {
      const { client, grant, token } = await seedFamily(ctx.store);
      const successor = makeRefreshToken(grant);

      const results = await inParallel(ctx, PARALLEL, (s) => rotate(s, token.id, successor, T0 + 1, 0));
      expect(tally(results.map((r) => r.status))).toEqual({ rotated: 1, reused: PARALLEL - 1 });

      expect((await ctx.store.getGrant(grant.id))?.revokedAt).toBe(T0 + 1);
      expect((await ctx.store.getRefreshToken(successor.id))?.revokedAt).toBe(T0 + 1);
      expect(await rotate(ctx.store, successor.id, makeRefreshToken(grant), T0 + 2, 0)).toEqual({
        status: 'invalid',
      });
      expect(await ctx.store.listGrants({ clientId: client.client_id })).toHaveLength(1);
    });

    it('a parent replayed while its successor is being used, 20 times in parallel: never two live chains, and any replay that finds the successor used revokes the grant', async () => {
      for (let round = 0; round < 3; round++) {
        const { grant, token } = await seedFamily(ctx.store);
        const successor = makeRefreshToken(grant);
        const next = makeRefreshToken(grant);
        await rotate(ctx.store, token.id, successor, T0 + 1, 10_000);

        // Half present the parent again (a replay from a log), half use the successor, all at once.
        const results = await inParallel(ctx, PARALLEL, (s, i) =>
          i % 2 === 0
            ? rotate(s, token.id, successor, T0 + 2, 10_000)
            : rotate(s, successor.id, next, T0 + 2, 10_000),
        );
        const live = await liveTokens(ctx, grant.id);
        const revoked = (await ctx.store.getGrant(grant.id))?.revokedAt !== null;
        expect(live.length).toBeLessThanOrEqual(1);
        if (results.some((r) => r.status === 'reused')) {
          expect(revoked).toBe(true);
          expect(live).toEqual([]);
        } else {
          expect(revoked).toBe(false);
          expect(live).toEqual([next.id]);
        }
        const ofSuccessor = results.filter((_, i) => i % 2 === 1).map((r) => r.status);
        expect(ofSuccessor.filter((s) => s === 'rotated')).toHaveLength(1);
      }
    });

    it('50 parallel rate-limit hits on one key get the counts 1 to 50, each exactly once', async () => {
      const key = `parallel-${Math.random()}`;
      const results = await inParallel(ctx, 50, (s) => s.hitRateLimit(key, 10, 60_000, T0));
      expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
    });

    it('several instances migrating a fresh database at the same moment all succeed and apply the schema once', async () => {
      for (let round = 0; round < 3; round++) {
        const url = await ctx.backend.freshUrl();
        const instances = await Promise.all(Array.from({ length: 3 }, () => ctx.open(url)));
        await Promise.all(instances.map((s) => s.migrate()));
        const db = raw(instances[0]!);
        const applied = await db
          .selectFrom('gatehouse_migration' as never)
          .selectAll()
          .execute();
        expect(applied).toHaveLength(MIGRATION_COUNT);
        const tables = (await db.introspection.getTables())
          .map((t) => t.name)
          .filter((n) => n === 'gatehouse_clients');
        expect(tables).toEqual(['gatehouse_clients']);
        await instances[1]!.ping();
        await Promise.all(instances.map((s) => s.close()));
      }
    });

    it('two instances ensuring signing keys at the same moment leave exactly one active and one next key', async () => {
      const url = await ctx.backend.freshUrl();
      const a = await ctx.open(url);
      await a.migrate();
      const b = await ctx.open(url);
      const [fromA, fromB] = await Promise.all([
        a.ensureSigningKeys(makeKey(), makeKey()),
        b.ensureSigningKeys(makeKey(), makeKey()),
      ]);
      const keys = await a.listSigningKeys();
      expect(keys.map((k) => k.state).sort()).toEqual(['active', 'next']);
      expect(fromA).toEqual(keys);
      expect(fromB).toEqual(keys);
    });

    it('parallel key rotations from two instances are serialised: one active, one next, the rest retiring', async () => {
      const url = await ctx.backend.freshUrl();
      const a = await ctx.open(url);
      await a.migrate();
      const b = await ctx.open(url);
      await a.ensureSigningKeys(makeKey(), makeKey());
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? a : b).rotateSigningKeys({ newNext: makeKey(), retireAt: T0 + 1e9, at: T0 }),
        ),
      );
      const states = (await a.listSigningKeys()).map((k) => k.state);
      expect(states.filter((s) => s === 'active')).toHaveLength(1);
      expect(states.filter((s) => s === 'next')).toHaveLength(1);
      expect(states.filter((s) => s === 'retiring')).toHaveLength(6);
    });

    it('deleteClient removes the client with its codes, grants, refresh tokens and consents, and nothing else', async () => {
      const { user, client, grant, token } = await seedFamily(ctx.store);
      const keep = await seedFamily(ctx.store);
      await rotate(ctx.store, token.id, makeRefreshToken(grant), T0 + 1, 0);
      const second = makeGrant(user.id, client.client_id);
      await createGrant(ctx.store, second, makeRefreshToken(second));
      await ctx.store.createAuthorizationCode(makeCode(user.id, client.client_id));
      await ctx.store.createAuthorizationCode(makeCode(user.id, client.client_id, { consumedAt: T0 }));
      await ctx.store.saveConsent(makeConsent(user.id, client.client_id));
      await ctx.store.saveConsent(makeConsent(user.id, keep.client.client_id));

      expect(await ctx.other.deleteClient(client.client_id)).toBe(true);

      const db = raw(ctx.store);
      const count = async (
        table:
          | 'gatehouse_authorization_codes'
          | 'gatehouse_grants'
          | 'gatehouse_refresh_tokens'
          | 'gatehouse_consents',
      ) =>
        (await db.selectFrom(table).select('client_id').where('client_id', '=', client.client_id).execute())
          .length;
      expect(await ctx.store.getClient(client.client_id)).toBeUndefined();
      expect(await count('gatehouse_authorization_codes')).toBe(0);
      expect(await count('gatehouse_grants')).toBe(0);
      expect(await count('gatehouse_refresh_tokens')).toBe(0);
      expect(await count('gatehouse_consents')).toBe(0);
      expect(await ctx.store.getGrant(keep.grant.id)).toBeDefined();
      expect(await ctx.store.getRefreshToken(keep.token.id)).toBeDefined();
      expect(
        await ctx.store.getConsent(user.id, keep.client.client_id, makeConsent('', '').resource),
      ).toBeDefined();
      expect(await ctx.store.deleteClient(client.client_id)).toBe(false);
    });

    it('deleting a client while its refresh tokens are being rotated neither deadlocks nor leaves rows behind', async () => {
      const { client, grant, token } = await seedFamily(ctx.store);
      const rotations = Array.from({ length: 10 }, (_, i) =>
        rotate(i % 2 ? ctx.store : ctx.other, token.id, makeRefreshToken(grant), T0 + 1, 10_000),
      );
      const deletion = ctx.other.deleteClient(client.client_id);
      const settled = await Promise.allSettled([...rotations, deletion]);
      expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
      expect(await ctx.store.getClient(client.client_id)).toBeUndefined();
      const left = await raw(ctx.store)
        .selectFrom('gatehouse_refresh_tokens')
        .select('id')
        .where('client_id', '=', client.client_id)
        .execute();
      expect(left).toEqual([]);
    });
  });
}
