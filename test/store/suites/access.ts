/** Migrations, clients, users, browser sessions and consents. */
import { describe, expect, it } from 'vitest';
import { UniqueViolation } from '../../../src/store/types.js';
import { MIGRATION_COUNT, raw, type SuiteContext } from '../context.js';
import { DAY, MINUTE, makeClient, makeConsent, makeSession, makeUser, T0, uid } from '../fixtures.js';

const TABLES = [
  'gatehouse_audit_events',
  'gatehouse_authorization_codes',
  'gatehouse_browser_sessions',
  'gatehouse_clients',
  'gatehouse_consents',
  'gatehouse_grants',
  'gatehouse_password_resets',
  'gatehouse_rate_limits',
  'gatehouse_refresh_tokens',
  'gatehouse_resources',
  'gatehouse_revoked_access_tokens',
  'gatehouse_signing_keys',
  'gatehouse_users',
];

export function accessSuite(ctx: SuiteContext): void {
  describe('migrations', () => {
    it('creates every table', async () => {
      const tables = (await raw(ctx.store).introspection.getTables()).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(TABLES));
    });

    it('running migrate again is a no-op', async () => {
      await ctx.store.migrate();
      await ctx.other.migrate();
      const rows = await raw(ctx.store)
        .selectFrom('gatehouse_migration' as never)
        .selectAll()
        .execute();
      expect(rows).toHaveLength(MIGRATION_COUNT);
    });

    it("migrates a database that already holds another application's Kysely migration history", async () => {
      const store = await ctx.open(await ctx.backend.freshUrl());
      const db = raw(store);
      await db.schema
        .createTable('kysely_migration')
        .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('timestamp', 'varchar(255)', (c) => c.notNull())
        .execute();
      await db
        .insertInto('kysely_migration' as never)
        .values({ name: '2024_host_app_users', timestamp: new Date(0).toISOString() } as never)
        .execute();
      await store.migrate();
      expect((await db.introspection.getTables()).map((t) => t.name)).toEqual(expect.arrayContaining(TABLES));
    });
  });

  describe('gatehouse_clients', () => {
    it('round-trips every field of a client', async () => {
      const client = makeClient({
        source: 'dcr',
        client_name: null,
        redirect_uris: ['http://127.0.0.1/cb', 'https://a.example/cb'],
        post_logout_redirect_uris: ['https://a.example/bye'],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        application_type: 'native',
        scope: 'read write',
        resources: ['https://api.example/mcp'],
        introspect: ['*'],
        first_party: true,
        secretHash: 'c2VjcmV0LWhhc2g',
        metadata: { fingerprint: 'abc', nested: { n: 1, list: [true, null] } },
        lastUsedAt: T0 + 5,
        disabledAt: T0 + 6,
        disabledReason: 'abuse',
      });
      await ctx.store.createClient(client);
      expect(await ctx.store.getClient(client.client_id)).toEqual(client);
      expect(await ctx.other.getClient(client.client_id)).toEqual(client);
    });

    it('returns undefined for an unknown client', async () => {
      expect(await ctx.store.getClient(uid('nope'))).toBeUndefined();
    });

    it('rejects creating a client whose client_id exists with UniqueViolation', async () => {
      const client = makeClient();
      await ctx.store.createClient(client);
      await expect(ctx.store.createClient({ ...client, client_name: 'again' })).rejects.toBeInstanceOf(
        UniqueViolation,
      );
    });

    it('upsert inserts a new client and replaces an existing one, keeping createdAt, lastUsedAt and the disabled state', async () => {
      const client = makeClient({ source: 'cimd' });
      await ctx.store.upsertClient(client);
      expect(await ctx.store.getClient(client.client_id)).toEqual(client);

      await ctx.store.updateClient(client.client_id, { disabledAt: T0 + 1, disabledReason: 'operator' });
      await ctx.store.touchClient(client.client_id, T0 + 2);
      const refreshed = makeClient({
        client_id: client.client_id,
        source: 'cimd',
        client_name: 'Renamed',
        redirect_uris: ['https://new.example/cb'],
        createdAt: T0 + 1000,
        updatedAt: T0 + 1000,
        lastUsedAt: null,
        disabledAt: null,
        disabledReason: null,
      });
      await ctx.store.upsertClient(refreshed);
      expect(await ctx.store.getClient(client.client_id)).toEqual({
        ...refreshed,
        createdAt: T0,
        lastUsedAt: T0 + 2,
        disabledAt: T0 + 1,
        disabledReason: 'operator',
      });
    });

    it('updateClient applies only the given fields and reports whether the client exists', async () => {
      const client = makeClient();
      await ctx.store.createClient(client);
      expect(
        await ctx.store.updateClient(client.client_id, {
          client_name: 'New name',
          redirect_uris: ['https://x.example/cb'],
          first_party: true,
          metadata: { a: 1 },
          updatedAt: T0 + 9,
        }),
      ).toBe(true);
      expect(await ctx.store.getClient(client.client_id)).toEqual({
        ...client,
        client_name: 'New name',
        redirect_uris: ['https://x.example/cb'],
        first_party: true,
        metadata: { a: 1 },
        updatedAt: T0 + 9,
      });
      expect(await ctx.store.updateClient(client.client_id, {})).toBe(true);
      expect(await ctx.store.updateClient(uid('missing'), { client_name: 'x' })).toBe(false);
      expect(await ctx.store.updateClient(uid('missing'), {})).toBe(false);
    });

    it('touchClient writes at most once a minute', async () => {
      const client = makeClient();
      await ctx.store.createClient(client);
      await ctx.store.touchClient(client.client_id, T0 + 1000);
      expect((await ctx.store.getClient(client.client_id))?.lastUsedAt).toBe(T0 + 1000);
      await ctx.store.touchClient(client.client_id, T0 + 1000 + 30_000);
      expect((await ctx.store.getClient(client.client_id))?.lastUsedAt).toBe(T0 + 1000);
      await ctx.store.touchClient(client.client_id, T0 + 1000 + MINUTE);
      expect((await ctx.store.getClient(client.client_id))?.lastUsedAt).toBe(T0 + 1000 + MINUTE);
      await expect(ctx.store.touchClient(uid('missing'), T0)).resolves.toBeUndefined();
    });

    it('listStaleClients returns clients of one lane unused since a time, oldest first, never-used ones by creation', async () => {
      const store = await ctx.freshStore();
      const old = makeClient({ source: 'dcr', createdAt: T0, lastUsedAt: null });
      const usedLongAgo = makeClient({ source: 'dcr', createdAt: T0 - DAY, lastUsedAt: T0 + 10 });
      const recent = makeClient({ source: 'dcr', createdAt: T0, lastUsedAt: T0 + 10 * DAY });
      const prereg = makeClient({ source: 'preregistered', createdAt: T0, lastUsedAt: null });
      for (const c of [old, usedLongAgo, recent, prereg]) await store.createClient(c);
      const stale = await store.listStaleClients('dcr', T0 + DAY, 10);
      expect(stale.map((c) => c.client_id)).toEqual([old.client_id, usedLongAgo.client_id]);
      expect(await store.listStaleClients('dcr', T0 + DAY, 1)).toHaveLength(1);
    });

    it('deleteClient returns false for an unknown client', async () => {
      expect(await ctx.store.deleteClient(uid('missing'))).toBe(false);
    });

    describe('listClients', () => {
      const tag = uid('tag').toLowerCase();
      const ids = (list: { client_id: string }[]) => list.map((c) => c.client_id);
      const made = [
        makeClient({ client_id: `${tag}_a`, source: 'preregistered', client_name: 'Alpha Notes' }),
        makeClient({ client_id: `${tag}_b`, source: 'dcr', client_name: 'Beta 100%_sure' }),
        makeClient({ client_id: `${tag}_c`, source: 'cimd', client_name: null, disabledAt: T0 }),
        makeClient({ client_id: `${tag}_d`, source: 'dcr', client_name: 'Delta', disabledAt: T0 }),
        makeClient({ client_id: `${tag}_e`, source: 'dcr', client_name: 'Echo' }),
      ];
      let seeded = false;
      const seed = async () => {
        if (seeded) return;
        for (const c of made) await ctx.store.createClient(c);
        seeded = true;
      };

      it('matches text case-insensitively against client_id or client_name, with wildcards taken literally', async () => {
        await seed();
        expect(ids(await ctx.store.listClients({ text: tag.toUpperCase() }))).toEqual(
          ['a', 'b', 'c', 'd', 'e'].map((s) => `${tag}_${s}`),
        );
        expect(ids(await ctx.store.listClients({ text: 'alpha notes' }))).toContain(`${tag}_a`);
        expect(ids(await ctx.store.listClients({ text: `${tag.toUpperCase()}_E` }))).toEqual([`${tag}_e`]);
        expect(ids(await ctx.store.listClients({ text: '100%_SURE' }))).toEqual([`${tag}_b`]);
        expect(await ctx.store.listClients({ text: `${tag}%c` })).toEqual([]);
      });

      it('filters by source and by status', async () => {
        await seed();
        expect(ids(await ctx.store.listClients({ text: tag, source: 'dcr' }))).toEqual([
          `${tag}_b`,
          `${tag}_d`,
          `${tag}_e`,
        ]);
        expect(ids(await ctx.store.listClients({ text: tag, status: 'active' }))).toEqual([
          `${tag}_a`,
          `${tag}_b`,
          `${tag}_e`,
        ]);
        expect(ids(await ctx.store.listClients({ text: tag, status: 'disabled', source: 'dcr' }))).toEqual([
          `${tag}_d`,
        ]);
      });

      it('pages by client_id with the after cursor', async () => {
        await seed();
        const first = await ctx.store.listClients({ text: tag, limit: 2 });
        expect(ids(first)).toEqual([`${tag}_a`, `${tag}_b`]);
        const second = await ctx.store.listClients({ text: tag, limit: 2, after: first.at(-1)?.client_id });
        expect(ids(second)).toEqual([`${tag}_c`, `${tag}_d`]);
        const third = await ctx.store.listClients({ text: tag, limit: 2, after: second.at(-1)?.client_id });
        expect(ids(third)).toEqual([`${tag}_e`]);
      });

      it('returns 50 clients by default and never more than 500', async () => {
        const bulk = uid('bulk').toLowerCase();
        const clients = Array.from({ length: 505 }, (_, i) =>
          makeClient({ client_id: `${bulk}_${String(i).padStart(3, '0')}` }),
        );
        for (let i = 0; i < clients.length; i += 50) {
          await Promise.all(clients.slice(i, i + 50).map((c) => ctx.store.createClient(c)));
        }
        expect(await ctx.store.listClients({ text: bulk })).toHaveLength(50);
        const all = await ctx.store.listClients({ text: bulk, limit: 100_000 });
        expect(all).toHaveLength(500);
        expect(all[499]?.client_id).toBe(`${bulk}_499`);
      });
    });
  });

  describe('gatehouse_users', () => {
    it('creates a user and finds it by id and by e-mail in any case', async () => {
      const user = makeUser({ email: `${uid('Mixed')}@Example.COM`, admin: true });
      await ctx.store.createUser(user);
      expect(await ctx.store.getUserById(user.id)).toEqual(user);
      expect(await ctx.store.getUserByEmail(user.email.toLowerCase())).toEqual(user);
      expect(await ctx.store.getUserByEmail(user.email.toUpperCase())).toEqual(user);
      expect(await ctx.store.getUserByEmail(`nobody-${uid('x')}@example.com`)).toBeUndefined();
      expect(await ctx.store.getUserById(uid('missing'))).toBeUndefined();
    });

    it('rejects a second user with the same e-mail in another case with UniqueViolation', async () => {
      const user = makeUser({ email: `${uid('dup')}@example.com` });
      await ctx.store.createUser(user);
      await expect(
        ctx.store.createUser(makeUser({ email: user.email.toUpperCase() })),
      ).rejects.toBeInstanceOf(UniqueViolation);
      await expect(ctx.store.createUser({ ...makeUser(), id: user.id })).rejects.toBeInstanceOf(
        UniqueViolation,
      );
    });

    it('treats non-ASCII e-mails case-insensitively on every backend', async () => {
      const local = uid('Élodie');
      const user = makeUser({ email: `${local}@Exämple.org` });
      await ctx.store.createUser(user);
      expect(await ctx.store.getUserByEmail(`${local.toLowerCase()}@exämple.org`)).toEqual(user);
      await expect(
        ctx.store.createUser(makeUser({ email: user.email.toUpperCase() })),
      ).rejects.toBeInstanceOf(UniqueViolation);
    });

    it('updateUser changes the given fields, keeps lookups by e-mail in step, and reports existence', async () => {
      const user = makeUser();
      await ctx.store.createUser(user);
      const email = `${uid('new')}@example.com`;
      expect(
        await ctx.store.updateUser(user.id, { email, admin: true, disabledAt: T0 + 1, passwordHash: 'h2' }),
      ).toBe(true);
      const expected = { ...user, email, admin: true, disabledAt: T0 + 1, passwordHash: 'h2' };
      expect(await ctx.store.getUserByEmail(email.toUpperCase())).toEqual(expected);
      expect(await ctx.store.getUserByEmail(user.email)).toBeUndefined();
      expect(await ctx.store.updateUser(user.id, { disabledAt: null })).toBe(true);
      expect((await ctx.store.getUserById(user.id))?.disabledAt).toBeNull();
      expect(await ctx.store.updateUser(uid('missing'), { admin: true })).toBe(false);
    });

    it("stores whether a user's e-mail is verified, unverified by default, and updates it alone", async () => {
      const user = makeUser();
      await ctx.store.createUser(user);
      expect((await ctx.store.getUserById(user.id))?.emailVerified).toBe(false);
      expect(await ctx.store.updateUser(user.id, { emailVerified: true })).toBe(true);
      expect(await ctx.store.getUserByEmail(user.email)).toEqual({ ...user, emailVerified: true });
      const vouched = makeUser({ emailVerified: true });
      await ctx.store.createUser(vouched);
      expect((await ctx.store.getUserById(vouched.id))?.emailVerified).toBe(true);
    });

    it('rejects changing an e-mail to one another user has with UniqueViolation', async () => {
      const a = makeUser();
      const b = makeUser();
      await ctx.store.createUser(a);
      await ctx.store.createUser(b);
      await expect(ctx.store.updateUser(b.id, { email: a.email.toUpperCase() })).rejects.toBeInstanceOf(
        UniqueViolation,
      );
    });
  });

  describe('browser sessions', () => {
    it('stores a session and revokes it once, keeping the first revocation time', async () => {
      const user = makeUser();
      await ctx.store.createUser(user);
      const session = makeSession(user.id);
      await ctx.store.createBrowserSession(session);
      expect(await ctx.store.getBrowserSession(session.id)).toEqual(session);
      await ctx.store.revokeBrowserSession(session.id, T0 + 10);
      await ctx.store.revokeBrowserSession(session.id, T0 + 20);
      expect(await ctx.store.getBrowserSession(session.id)).toEqual({ ...session, revokedAt: T0 + 10 });
      expect(await ctx.store.getBrowserSession(uid('missing'))).toBeUndefined();
    });

    it('revokeUserBrowserSessions revokes every live session of the user and counts them', async () => {
      const user = makeUser();
      const bystander = makeUser();
      await ctx.store.createUser(user);
      await ctx.store.createUser(bystander);
      const sessions = [makeSession(user.id), makeSession(user.id), makeSession(user.id, { revokedAt: T0 })];
      for (const s of sessions) await ctx.store.createBrowserSession(s);
      const other = makeSession(bystander.id);
      await ctx.store.createBrowserSession(other);

      expect(await ctx.store.revokeUserBrowserSessions(user.id, T0 + 5)).toBe(2);
      expect((await ctx.store.getBrowserSession(sessions[0]!.id))?.revokedAt).toBe(T0 + 5);
      expect((await ctx.store.getBrowserSession(sessions[2]!.id))?.revokedAt).toBe(T0);
      expect((await ctx.store.getBrowserSession(other.id))?.revokedAt).toBeNull();
      expect(await ctx.store.revokeUserBrowserSessions(user.id, T0 + 6)).toBe(0);
    });
  });

  describe('gatehouse_consents', () => {
    it('saves, replaces (last writer wins) and reads consent per user, client and resource', async () => {
      const user = makeUser();
      const client = makeClient();
      await ctx.store.createUser(user);
      await ctx.store.createClient(client);
      const consent = makeConsent(user.id, client.client_id);
      await ctx.store.saveConsent(consent);
      expect(await ctx.store.getConsent(user.id, client.client_id, consent.resource)).toEqual(consent);

      const wider = {
        ...consent,
        scope: 'read write admin',
        redirectUri: 'http://127.0.0.1:9/cb',
        createdAt: T0 + 1,
      };
      await ctx.other.saveConsent(wider);
      expect(await ctx.store.getConsent(user.id, client.client_id, consent.resource)).toEqual(wider);

      const otherResource = makeConsent(user.id, client.client_id, { resource: 'https://other.example' });
      await ctx.store.saveConsent(otherResource);
      expect(await ctx.store.getConsent(user.id, client.client_id, consent.resource)).toEqual(wider);
      expect(
        await ctx.store.getConsent(user.id, client.client_id, 'https://nowhere.example'),
      ).toBeUndefined();
    });

    it('deleteConsents removes by user or by client and counts the rows', async () => {
      const [u1, u2] = [makeUser(), makeUser()];
      const [c1, c2] = [makeClient(), makeClient()];
      for (const u of [u1, u2]) await ctx.store.createUser(u);
      for (const c of [c1, c2]) await ctx.store.createClient(c);
      for (const u of [u1, u2])
        for (const c of [c1, c2]) await ctx.store.saveConsent(makeConsent(u.id, c.client_id));

      expect(await ctx.store.deleteConsents({ userId: u1.id })).toBe(2);
      expect(await ctx.store.deleteConsents({ clientId: c2.client_id })).toBe(1);
      expect(await ctx.store.getConsent(u2.id, c1.client_id, makeConsent('', '').resource)).toBeDefined();
      expect(await ctx.store.deleteConsents({ userId: u2.id, clientId: c1.client_id })).toBe(1);
      await expect(ctx.store.deleteConsents({})).rejects.toThrow(/userId or a clientId/);
    });
  });
}
