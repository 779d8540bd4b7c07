/** Bounded storage: audit caps, aggregate audit rows, audit retention, CIMD garbage collection, expiry. */
import { describe, expect, it } from 'vitest';
import { AUDIT_CAPS } from '../../../src/store/audit-caps.js';
import type { Store } from '../../../src/store/types.js';
import { raw, type SuiteContext } from '../context.js';
import {
  createGrant,
  DAY,
  HOUR,
  MINUTE,
  makeClient,
  makeCode,
  makeConsent,
  makeGrant,
  makeRefreshToken,
  makeUser,
  T0,
  uid,
} from '../fixtures.js';

async function auditRows(store: Store): Promise<number> {
  const row = await raw(store)
    .selectFrom('gatehouse_audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Inserts `n` plain audit rows in a few multi-row statements, at T0 + i minutes. */
async function insertAuditRows(store: Store, type: string, n: number, at = (i: number) => T0 + i * MINUTE) {
  for (let start = 0; start < n; start += 500) {
    const values = Array.from({ length: Math.min(500, n - start) }, (_, j) => ({
      at: at(start + j),
      type,
      detail: '{}',
    }));
    await raw(store).insertInto('gatehouse_audit_events').values(values).execute();
  }
}

export function retentionSuite(ctx: SuiteContext): void {
  describe('audit field caps', () => {
    it('recordAuditEvent stores every field capped with a marker, and the detail within its byte bound', async () => {
      const type = uid('caps');
      const huge = 'x'.repeat(50_000);
      await ctx.store.recordAuditEvent(
        {
          type,
          clientId: huge,
          ip: huge,
          userAgent: huge,
          actor: huge,
          detail: {
            reason: huge,
            [huge]: 1,
            list: Array.from({ length: 500 }, () => huge),
            deep: { a: { b: { c: { d: { e: huge } } } } },
            many: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 'é'.repeat(200)])),
          },
        },
        T0,
      );
      const [event] = await ctx.store.listAuditEvents({ type });
      expect(event!.clientId!.length).toBeLessThanOrEqual(AUDIT_CAPS.clientId);
      expect(event!.clientId).toContain('…[truncated, 50000 chars]');
      expect(event!.ip!.length).toBeLessThanOrEqual(AUDIT_CAPS.ip);
      expect(event!.userAgent!.length).toBeLessThanOrEqual(AUDIT_CAPS.userAgent);
      expect(event!.actor!.length).toBeLessThanOrEqual(AUDIT_CAPS.actor);
      const stored = await raw(ctx.store)
        .selectFrom('gatehouse_audit_events')
        .select('detail')
        .where('type', '=', type)
        .executeTakeFirstOrThrow();
      expect(Buffer.byteLength(stored.detail)).toBeLessThanOrEqual(AUDIT_CAPS.detailBytes);
      expect(JSON.parse(stored.detail)).toMatchObject({ truncated: true });
    });

    it('keeps a small detail exactly as given', async () => {
      const type = uid('small');
      const detail = { reason: 'unknown client', n: 2, list: ['a', 'b'], nested: { ok: true } };
      await ctx.store.recordAuditEvent({ type, clientId: 'c1', detail }, T0);
      const [event] = await ctx.store.listAuditEvents({ type });
      expect(event).toMatchObject({ clientId: 'c1', detail });
      expect(event).not.toHaveProperty('count');
    });
  });

  describe('aggregateAuditEvent', () => {
    it('adds concurrent events from two instances to one row with count, first and last time', async () => {
      const type = uid('agg');
      const key = `${type}|203.0.113.9|${T0}`;
      const event = { type, ip: '203.0.113.9', detail: { aggregated: true } };
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? ctx.store : ctx.other).aggregateAuditEvent(key, event, 1 + (i % 3), T0 + i * 1000),
        ),
      );
      const events = await ctx.store.listAuditEvents({ type });
      expect(events).toHaveLength(1);
      const expected = Array.from({ length: 40 }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);
      expect(events[0]).toMatchObject({ type, ip: '203.0.113.9', count: expected, lastAt: T0 + 39_000 });
      expect(events[0]!.at).toBeGreaterThanOrEqual(T0);
      await ctx.store.aggregateAuditEvent(`${type}|other|${T0}`, event, 1, T0);
      expect(await ctx.store.listAuditEvents({ type })).toHaveLength(2);
    });

    it('refuses a count that is not a positive integer', async () => {
      await expect(ctx.store.aggregateAuditEvent(uid('k'), { type: 'x' }, 0, T0)).rejects.toThrow(/count/);
    });
  });

  describe('countAuditEventsByDay', () => {
    it('sums events per type and UTC day, counting an aggregate row as its count', async () => {
      const store = await ctx.freshStore();
      const day0 = Math.floor(T0 / DAY) * DAY;
      await store.recordAuditEvent({ type: 'cimd.fetch_failed' }, day0 + HOUR);
      await store.recordAuditEvent({ type: 'cimd.fetch_failed' }, day0 + DAY + HOUR);
      await store.aggregateAuditEvent('k1', { type: 'cimd.fetch_failed' }, 500, day0 + DAY + 2 * HOUR);
      await store.recordAuditEvent({ type: 'dcr.registered' }, day0 + 2 * HOUR);
      await store.recordAuditEvent({ type: 'other' }, day0 + 2 * HOUR);
      await store.recordAuditEvent({ type: 'dcr.registered' }, day0 - HOUR);
      const rows = await store.countAuditEventsByDay(['cimd.fetch_failed', 'dcr.registered'], day0);
      const sorted = [...rows].sort((a, b) => a.day - b.day || a.type.localeCompare(b.type));
      expect(sorted).toEqual([
        { type: 'cimd.fetch_failed', day: day0, count: 1 },
        { type: 'dcr.registered', day: day0, count: 1 },
        { type: 'cimd.fetch_failed', day: day0 + DAY, count: 501 },
      ]);
      expect(await store.countAuditEventsByDay([], day0)).toEqual([]);
    });
  });

  describe('purgeAuditEvents', () => {
    it('deletes events older than the cutoff across several batches and keeps the rest', async () => {
      const store = await ctx.freshStore();
      await insertAuditRows(store, 'old', 11_000, (i) => T0 - DAY - i);
      await insertAuditRows(store, 'recent', 50, (i) => T0 + i);
      expect(await store.purgeAuditEvents({ before: T0 })).toBe(11_000);
      expect(await auditRows(store)).toBe(50);
      expect(await store.purgeAuditEvents({ before: T0 })).toBe(0);
    });

    it('with maxEvents, keeps only the newest events', async () => {
      const store = await ctx.freshStore();
      await insertAuditRows(store, 'bulk', 7_000);
      expect(await store.purgeAuditEvents({ before: 0, maxEvents: 1000 })).toBe(6_000);
      const left = await store.listAuditEvents({ type: 'bulk', limit: 1000 });
      expect(left).toHaveLength(1000);
      expect(left.at(-1)!.at).toBe(T0 + 6_000 * MINUTE);
      expect(await auditRows(store)).toBe(1000);
    });
  });

  describe('deleteUnusedCimdClients', () => {
    const unusedBefore = T0 + 30 * DAY;
    const at = T0 + 31 * DAY;
    const cimd = (overrides: Parameters<typeof makeClient>[0] = {}) =>
      makeClient({
        client_id: `https://${uid('app')}.example/client.json`,
        source: 'cimd',
        createdAt: T0,
        updatedAt: T0,
        ...overrides,
      });

    it('deletes unused CIMD clients with their dependents and keeps every client something still needs', async () => {
      const store = await ctx.freshStore();
      const user = makeUser();
      await store.createUser(user);
      const unused = cimd();
      const usedRecently = cimd({ lastUsedAt: at - DAY });
      const refreshedRecently = cimd({ updatedAt: at - DAY });
      const disabled = cimd({ disabledAt: T0, disabledReason: 'abuse' });
      const pinned = cimd({ metadata: { cimd: { pinned: true } } });
      const liveGrant = cimd();
      const deadGrant = cimd();
      const dcr = makeClient({ source: 'dcr' });
      for (const c of [unused, usedRecently, refreshedRecently, disabled, pinned, liveGrant, deadGrant, dcr])
        await store.createClient(c);

      const live = makeGrant(user.id, liveGrant.client_id);
      await createGrant(store, live, makeRefreshToken(live, { expiresAt: at + DAY }));
      const expired = makeGrant(user.id, deadGrant.client_id);
      await createGrant(store, expired, makeRefreshToken(expired, { expiresAt: at - 1 }));
      const revoked = makeGrant(user.id, unused.client_id, { revokedAt: T0, revokedReason: 'test' });
      await createGrant(store, revoked, makeRefreshToken(revoked, { expiresAt: at + DAY }));
      await store.saveConsent(makeConsent(user.id, unused.client_id));
      await store.createAuthorizationCode(makeCode(user.id, unused.client_id));

      const deleted = await store.deleteUnusedCimdClients(unusedBefore, at, 100);
      expect(new Set(deleted)).toEqual(new Set([unused.client_id, deadGrant.client_id]));
      expect(await store.getClient(unused.client_id)).toBeUndefined();
      expect(await store.getGrant(revoked.id)).toBeUndefined();
      expect(await store.getConsent(user.id, unused.client_id, 'https://api.example/mcp')).toBeUndefined();
      for (const kept of [usedRecently, refreshedRecently, disabled, pinned, liveGrant, dcr])
        expect(await store.getClient(kept.client_id)).toBeDefined();
      expect(await store.getGrant(live.id)).toBeDefined();
      expect(await store.deleteUnusedCimdClients(unusedBefore, at, 100)).toEqual([]);
    });

    it('deletes at most `limit` per call, oldest first, and the next call continues', async () => {
      const store = await ctx.freshStore();
      const clients = Array.from({ length: 5 }, (_, i) => cimd({ updatedAt: T0 + i }));
      for (const c of clients) await store.createClient(c);
      const first = await store.deleteUnusedCimdClients(unusedBefore, at, 3);
      expect(first).toEqual(clients.slice(0, 3).map((c) => c.client_id));
      expect(await store.deleteUnusedCimdClients(unusedBefore, at, 3)).toEqual(
        clients.slice(3).map((c) => c.client_id),
      );
    });
  });

  describe('purgeExpired and rate-limit windows', () => {
    it('deletes rate-limit windows as soon as they have ended and keeps running ones', async () => {
      const store = await ctx.freshStore();
      const now = T0 + 10 * DAY;
      const ended = uid('rl');
      const running = uid('rl');
      await store.hitRateLimit(ended, 5, MINUTE, now - 2 * MINUTE);
      await store.hitRateLimit(running, 5, HOUR, now - MINUTE);
      await store.purgeExpired(now);
      const keys = await raw(store).selectFrom('gatehouse_rate_limits').select('key').execute();
      expect(keys.map((k) => k.key)).toEqual([running]);
      expect((await store.hitRateLimit(running, 5, HOUR, now)).count).toBe(2);
    });

    it('purges more expired rows than one batch holds', async () => {
      const store = await ctx.freshStore();
      const now = T0 + DAY;
      const rows = Array.from({ length: 12_000 }, (_, i) => ({ jti: `j${i}`, expires_at: now - 1 - i }));
      for (let i = 0; i < rows.length; i += 1000)
        await raw(store)
          .insertInto('gatehouse_revoked_access_tokens')
          .values(rows.slice(i, i + 1000))
          .execute();
      await store.revokeAccessToken('live', now + HOUR);
      await store.purgeExpired(now);
      const left = await raw(store).selectFrom('gatehouse_revoked_access_tokens').select('jti').execute();
      expect(left.map((r) => r.jti)).toEqual(['live']);
    });
  });
}
