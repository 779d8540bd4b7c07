/** Resources, password resets, user listing and client counts (the admin verbs). */
import { describe, expect, it } from 'vitest';
import type { AccountTokenRecord, ResourceRecord } from '../../../src/store/types.js';
import type { SuiteContext } from '../context.js';
import { MINUTE, makeClient, makeUser, T0, uid } from '../fixtures.js';

const resource = (overrides: Partial<ResourceRecord> = {}): ResourceRecord => ({
  resource: `https://${uid('r')}.example/mcp`,
  name: 'Todo MCP',
  scopes: ['todos.read', 'todos.write'],
  defaultScopes: ['todos.read'],
  lanes: { preregistered: true, cimd: true, dcr: false },
  updatedAt: T0,
  updatedBy: null,
  ...overrides,
});

const reset = (userId: string, overrides: Partial<AccountTokenRecord> = {}): AccountTokenRecord => ({
  id: uid('reset'),
  purpose: 'password_reset',
  secretHash: 'hash',
  userId,
  email: 'someone@example.com',
  createdAt: T0,
  expiresAt: T0 + 30 * MINUTE,
  usedAt: null,
  ...overrides,
});

export function adminSuite(ctx: SuiteContext): void {
  describe('resources', () => {
    it('seedResources inserts new resources and never overwrites an edited one', async () => {
      const store = await ctx.freshStore();
      const r = resource();
      await store.seedResources([r]);
      expect(await store.listResources()).toEqual([r]);
      expect(
        await store.updateResource(r.resource, { name: 'Renamed', updatedBy: 'user:1', updatedAt: T0 + 1 }),
      ).toBe(true);
      await store.seedResources([r]);
      await ctx.other.seedResources([r]);
      const [stored] = await store.listResources();
      expect(stored).toEqual({ ...r, name: 'Renamed', updatedBy: 'user:1', updatedAt: T0 + 1 });
    });

    it('updateResource round-trips scopes, default scopes and lanes, and reports a missing resource', async () => {
      const store = await ctx.freshStore();
      const r = resource();
      await store.seedResources([r]);
      const patch = {
        scopes: ['a', 'b'],
        defaultScopes: ['b'],
        lanes: { preregistered: false, cimd: false, dcr: true },
      };
      expect(await store.updateResource(r.resource, patch)).toBe(true);
      expect(await store.listResources()).toEqual([{ ...r, ...patch }]);
      expect(await store.updateResource('https://missing.example', { name: 'x' })).toBe(false);
      expect(await store.updateResource('https://missing.example', {})).toBe(false);
    });
  });

  describe('users listing', () => {
    it('lists users by e-mail with a case-insensitive search and a keyset cursor', async () => {
      const store = await ctx.freshStore();
      const emails = ['carol@example.com', 'Alice@Example.com', 'bob@other.test', 'a_b@example.com'];
      for (const email of emails) await store.createUser(makeUser({ email }));
      const all = await store.listUsers({});
      expect(all.map((u) => u.email.toLowerCase())).toEqual([
        'a_b@example.com',
        'alice@example.com',
        'bob@other.test',
        'carol@example.com',
      ]);
      const first = await store.listUsers({ limit: 2 });
      const second = await store.listUsers({ limit: 2, after: first[1]!.email.toLowerCase() });
      expect([...first, ...second].map((u) => u.id)).toEqual(all.map((u) => u.id));
      expect((await store.listUsers({ text: 'EXAMPLE' })).length).toBe(3);
      // LIKE wildcards in the search are literal.
      expect((await store.listUsers({ text: 'a_b' })).map((u) => u.email)).toEqual(['a_b@example.com']);
    });
  });

  describe('clients for the dashboard', () => {
    it('countClients groups by lane and disabled state', async () => {
      const store = await ctx.freshStore();
      await store.createClient(makeClient({ source: 'dcr' }));
      await store.createClient(makeClient({ source: 'dcr', disabledAt: T0, disabledReason: 'x' }));
      await store.createClient(makeClient({ source: 'dcr' }));
      await store.createClient(
        makeClient({ source: 'cimd', client_id: `https://${uid('c')}.example/c.json` }),
      );
      const counts = await store.countClients();
      expect(counts).toEqual(
        expect.arrayContaining([
          { source: 'dcr', disabled: false, count: 2 },
          { source: 'dcr', disabled: true, count: 1 },
          { source: 'cimd', disabled: false, count: 1 },
        ]),
      );
      expect(counts).toHaveLength(3);
    });

    it('listClients filters by resource: clients listing it and clients listing none', async () => {
      const store = await ctx.freshStore();
      const mine = makeClient({ client_id: 'a', resources: ['https://a.example/mcp'] });
      const any = makeClient({ client_id: 'b', resources: [] });
      const other = makeClient({ client_id: 'c', resources: ['https://b.example/mcp'] });
      const prefix = makeClient({ client_id: 'd', resources: ['https://a.example/mcp2'] });
      for (const c of [mine, any, other, prefix]) await store.createClient(c);
      const ids = (await store.listClients({ resource: 'https://a.example/mcp' })).map((c) => c.client_id);
      expect(ids).toEqual(['a', 'b']);
    });
  });

  describe('account tokens (password resets, e-mail verifications)', () => {
    it('round-trips a reset; consumeAccountToken succeeds once and never after expiry', async () => {
      const store = await ctx.freshStore();
      const user = makeUser();
      await store.createUser(user);
      const r = reset(user.id);
      await store.createAccountToken(r);
      expect(await store.getAccountToken(r.id)).toEqual(r);
      expect(await store.consumeAccountToken(r.id, T0 + 1)).toBe(true);
      expect(await store.consumeAccountToken(r.id, T0 + 2)).toBe(false);
      expect((await store.getAccountToken(r.id))?.usedAt).toBe(T0 + 1);
      const expired = reset(user.id);
      await store.createAccountToken(expired);
      expect(await store.consumeAccountToken(expired.id, expired.expiresAt)).toBe(false);
      expect(await store.consumeAccountToken('missing', T0)).toBe(false);
    });

    it('of 20 concurrent consumers of one reset, exactly one succeeds', async () => {
      const user = makeUser();
      await ctx.store.createUser(user);
      const r = reset(user.id);
      await ctx.store.createAccountToken(r);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? ctx.other : ctx.store).consumeAccountToken(r.id, T0 + i),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('a token keeps its purpose and address; one of each purpose is consumed independently', async () => {
      const store = await ctx.freshStore();
      const user = makeUser();
      await store.createUser(user);
      const r = reset(user.id);
      const v = reset(user.id, { purpose: 'email_verification', email: 'other@example.com' });
      await store.createAccountToken(r);
      await store.createAccountToken(v);
      expect(await store.getAccountToken(v.id)).toEqual(v);
      expect(await store.consumeAccountToken(v.id, T0 + 1)).toBe(true);
      expect((await store.getAccountToken(r.id))?.usedAt).toBeNull();
    });

    it('purgeExpired deletes expired resets', async () => {
      const store = await ctx.freshStore();
      const user = makeUser();
      await store.createUser(user);
      const r = reset(user.id);
      await store.createAccountToken(r);
      await store.purgeExpired(r.expiresAt + 1);
      expect(await store.getAccountToken(r.id)).toBeUndefined();
    });
  });
}
