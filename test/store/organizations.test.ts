/** Organizations, their domains and memberships (issue 16, migration 0012), on SQLite and PostgreSQL. */
import { describe, expect, it } from 'vitest';
import type { OrganizationRecord, Store } from '../../src/store/types.js';
import { UniqueViolation } from '../../src/store/types.js';
import { postgresBackend, sqliteBackend, twoInstances } from './backends.js';
import {
  createGrant,
  makeClient,
  makeCode,
  makeGrant,
  makeRefreshToken,
  makeUser,
  NO_AUDIT,
  T0,
  uid,
} from './fixtures.js';

function org(overrides: Partial<OrganizationRecord> = {}): OrganizationRecord {
  const id = uid('org');
  return {
    id,
    name: `Org ${id}`,
    domains: [],
    connection: null,
    source: 'admin',
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}
const domain = () => `${uid('d').toLowerCase().replaceAll('_', '-')}.example`;

describe.each([sqliteBackend(), postgresBackend()])('organizations on $name', (backend) => {
  let store: Store;
  let other: Store;

  twoInstances(backend, (a, b) => {
    store = a;
    other = b;
  });

  it('stores an organization with its domains, found by id and by domain from another instance', async () => {
    const d1 = domain();
    const d2 = domain();
    const o = org({ domains: [d2, d1].sort(), connection: 'acme' });
    await store.createOrganization(o);
    expect(await other.getOrganization(o.id)).toEqual(o);
    expect(await other.getOrganizationByDomain(d2)).toEqual(o);
    expect(await other.getOrganizationByDomain('nobody.example')).toBeUndefined();
    expect((await other.listOrganizations()).map((x) => x.id)).toContain(o.id);
  });

  it('refuses a domain claimed by another organization, writing nothing', async () => {
    const shared = domain();
    const first = org({ domains: [shared] });
    await store.createOrganization(first);
    const second = org({ domains: [domain(), shared] });
    await expect(store.createOrganization(second)).rejects.toBeInstanceOf(UniqueViolation);
    expect(await store.getOrganization(second.id)).toBeUndefined();
    const seeded = org({ domains: [shared], source: 'config' });
    await expect(store.upsertOrganization(seeded)).rejects.toBeInstanceOf(UniqueViolation);
    expect(await store.getOrganization(seeded.id)).toBeUndefined();
    expect((await store.getOrganizationByDomain(shared))?.id).toBe(first.id);
  });

  it('of concurrent creators of one domain, exactly one wins', async () => {
    const shared = domain();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? other : store).createOrganization(org({ domains: [shared] })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(UniqueViolation);
  });

  it('upserting replaces name, connection and domains but keeps createdAt and members', async () => {
    const o = org({ domains: [domain()], source: 'config' });
    await store.upsertOrganization(o);
    const user = makeUser();
    await store.createUser(user);
    await store.saveMembership({
      organizationId: o.id,
      userId: user.id,
      roles: ['admin'],
      createdAt: T0,
      updatedAt: T0,
    });
    const next = {
      ...o,
      name: 'Renamed',
      connection: 'sso',
      domains: [domain()],
      createdAt: T0 + 5,
      updatedAt: T0 + 5,
    };
    await store.upsertOrganization(next);
    expect(await store.getOrganization(o.id)).toEqual({ ...next, createdAt: T0 });
    expect(await store.getOrganizationByDomain(o.domains[0]!)).toBeUndefined();
    expect((await store.getMembership(o.id, user.id))?.roles).toEqual(['admin']);
  });

  it('keeps one membership per user and organization; the last writer sets the roles', async () => {
    const a = org({ name: 'Alpha' });
    const b = org({ name: 'Beta' });
    await store.createOrganization(a);
    await store.createOrganization(b);
    const user = makeUser();
    await store.createUser(user);
    const m = (roles: string[], at: number) => ({
      organizationId: a.id,
      userId: user.id,
      roles,
      createdAt: at,
      updatedAt: at,
    });
    await Promise.all([store.saveMembership(m(['viewer'], T0)), other.saveMembership(m(['viewer'], T0))]);
    await store.saveMembership(m(['admin', 'billing'], T0 + 1));
    await store.saveMembership({
      organizationId: b.id,
      userId: user.id,
      roles: [],
      createdAt: T0,
      updatedAt: T0,
    });
    expect(await other.getMembership(a.id, user.id)).toEqual({
      ...m(['admin', 'billing'], T0 + 1),
      createdAt: T0,
    });
    const mine = await other.listUserMemberships(user.id);
    expect(mine.map((x) => [x.organizationName, x.roles])).toEqual([
      ['Alpha', ['admin', 'billing']],
      ['Beta', []],
    ]);
    expect((await other.listOrganizationMembers(a.id)).map((x) => x.email)).toEqual([user.email]);
    expect(await store.removeMembership(a.id, user.id)).toBe(true);
    expect(await store.removeMembership(a.id, user.id)).toBe(false);
    expect(await store.getMembership(a.id, user.id)).toBeUndefined();
  });

  it('refuses a membership of an unknown organization or user', async () => {
    const o = org();
    await store.createOrganization(o);
    const at = { createdAt: T0, updatedAt: T0, roles: [] };
    await expect(
      store.saveMembership({ organizationId: 'org_missing', userId: 'nobody', ...at }),
    ).rejects.toThrow();
    await expect(store.saveMembership({ organizationId: o.id, userId: 'nobody', ...at })).rejects.toThrow();
  });

  it('deleting an organization deletes its domains and memberships', async () => {
    const d = domain();
    const o = org({ domains: [d] });
    await store.createOrganization(o);
    const user = makeUser();
    await store.createUser(user);
    await store.saveMembership({
      organizationId: o.id,
      userId: user.id,
      roles: ['x'],
      createdAt: T0,
      updatedAt: T0,
    });
    expect(await store.deleteOrganization(o.id)).toBe(true);
    expect(await store.deleteOrganization(o.id)).toBe(false);
    expect(await store.getOrganizationByDomain(d)).toBeUndefined();
    expect(await store.listUserMemberships(user.id)).toEqual([]);
    await store.createOrganization(org({ domains: [d] }));
  });

  it("a grant keeps its code's organization through redemption and rotation, with the member's roles read in the same call", async () => {
    const o = org();
    await store.createOrganization(o);
    const client = makeClient();
    const user = makeUser();
    await store.createClient(client);
    await store.createUser(user);
    await store.saveMembership({
      organizationId: o.id,
      userId: user.id,
      roles: ['editor'],
      createdAt: T0,
      updatedAt: T0,
    });
    const code = makeCode(user.id, client.client_id, { orgId: o.id });
    await store.createAuthorizationCode(code);
    expect((await other.getAuthorizationCode(code.id))?.orgId).toBe(o.id);
    const grant = makeGrant(user.id, client.client_id, { id: code.grantId, orgId: o.id });
    const token = makeRefreshToken(grant);
    const redeemed = await store.redeemAuthorizationCode({
      id: code.id,
      at: T0,
      grant,
      refreshToken: token,
      audit: NO_AUDIT,
    });
    expect(redeemed.status).toBe('redeemed');
    expect((await other.getGrant(grant.id))?.orgId).toBe(o.id);
    const found = await other.getRefreshTokenWithGrant(token.id);
    expect(found?.grant.orgId).toBe(o.id);
    expect(found?.orgRoles).toEqual(['editor']);
    const swap = await other.rotateRefreshToken(
      token.id,
      { id: uid('rt'), secretHash: 'h', expiresAt: T0 + 10_000 },
      T0 + 1,
    );
    expect(swap?.swapped && swap.grant.orgId).toBe(o.id);
    await store.removeMembership(o.id, user.id);
    const after = await other.getRefreshTokenWithGrant(token.id);
    expect(after?.grant.orgId).toBe(o.id);
    expect(after?.orgRoles).toBeUndefined();
  });

  it('a grant without an organization reads back without one', async () => {
    const client = makeClient();
    const user = makeUser();
    await store.createClient(client);
    await store.createUser(user);
    const grant = makeGrant(user.id, client.client_id);
    const token = makeRefreshToken(grant);
    await createGrant(store, grant, token);
    const found = await other.getRefreshTokenWithGrant(token.id);
    expect(found?.grant.orgId).toBeUndefined();
    expect(found?.orgRoles).toBeUndefined();
  });
});
