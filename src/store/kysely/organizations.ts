/**
 * The organization verbs (organization-records.ts), as a base class of KyselyStore (after the
 * upstream verbs, upstream-verbs.ts) so the store's own file keeps one line per area.
 */
import type { Kysely } from 'kysely';
import type {
  MembershipRecord,
  OrganizationMember,
  OrganizationRecord,
  OrganizationStore,
  UserMembership,
} from '../organization-records.js';
import { affected, insertUnique, type StoreContext } from './context.js';
import { UpstreamVerbs } from './upstream-verbs.js';

type OrganizationsTable = {
  id: string;
  name: string;
  connection: string | null;
  source: string;
  created_at: number;
  updated_at: number;
};
type DomainsTable = { domain: string; organization_id: string };
type MembersTable = {
  organization_id: string;
  user_id: string;
  roles: string;
  created_at: number;
  updated_at: number;
};
type Tables = {
  gatehouse_organizations: OrganizationsTable;
  gatehouse_organization_domains: DomainsTable;
  gatehouse_organization_members: MembersTable;
  gatehouse_users: { id: string; email: string; email_lower: string };
};

function organizationFromRow(r: OrganizationsTable, domains: string[]): OrganizationRecord {
  return {
    id: r.id,
    name: r.name,
    domains,
    connection: r.connection,
    source: r.source === 'config' ? 'config' : 'admin',
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function membershipFromRow(r: MembersTable): MembershipRecord {
  return {
    organizationId: r.organization_id,
    userId: r.user_id,
    roles: r.roles.split(' ').filter(Boolean),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export class OrganizationVerbs extends UpstreamVerbs implements OrganizationStore {
  readonly #orgs: Kysely<Tables>;

  constructor(ctx: StoreContext) {
    super(ctx);
    this.#orgs = ctx.db.withTables<Tables>() as unknown as Kysely<Tables>;
  }

  async listOrganizations(): Promise<OrganizationRecord[]> {
    const [rows, domains] = await Promise.all([
      this.#orgs.selectFrom('gatehouse_organizations').selectAll().orderBy('id').limit(10_000).execute(),
      this.#orgs.selectFrom('gatehouse_organization_domains').selectAll().orderBy('domain').execute(),
    ]);
    const byOrg = new Map<string, string[]>();
    for (const d of domains)
      byOrg.set(d.organization_id, [...(byOrg.get(d.organization_id) ?? []), d.domain]);
    return rows.map((r) => organizationFromRow(r, byOrg.get(r.id) ?? []));
  }

  async getOrganization(id: string): Promise<OrganizationRecord | undefined> {
    const row = await this.#orgs
      .selectFrom('gatehouse_organizations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? organizationFromRow(row, await this.#domainsOf(id)) : undefined;
  }

  async getOrganizationByDomain(domain: string): Promise<OrganizationRecord | undefined> {
    const row = await this.#orgs
      .selectFrom('gatehouse_organization_domains as d')
      .innerJoin('gatehouse_organizations as o', 'o.id', 'd.organization_id')
      .selectAll('o')
      .where('d.domain', '=', domain)
      .executeTakeFirst();
    return row ? organizationFromRow(row, await this.#domainsOf(row.id)) : undefined;
  }

  async #domainsOf(id: string): Promise<string[]> {
    const rows = await this.#orgs
      .selectFrom('gatehouse_organization_domains')
      .select('domain')
      .where('organization_id', '=', id)
      .orderBy('domain')
      .execute();
    return rows.map((r) => r.domain);
  }

  async createOrganization(o: OrganizationRecord): Promise<void> {
    await insertUnique(`organization ${o.id} or one of its domains`, () =>
      this.#orgs.transaction().execute(async (tx) => {
        await tx.insertInto('gatehouse_organizations').values(organizationRow(o)).execute();
        if (o.domains.length)
          await tx
            .insertInto('gatehouse_organization_domains')
            .values(o.domains.map((domain) => ({ domain, organization_id: o.id })))
            .execute();
      }),
    );
  }

  async upsertOrganization(o: OrganizationRecord): Promise<void> {
    await insertUnique(`a domain of organization ${o.id}`, () =>
      this.#orgs.transaction().execute(async (tx) => {
        const row = organizationRow(o);
        await tx
          .insertInto('gatehouse_organizations')
          .values(row)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({
              name: row.name,
              connection: row.connection,
              source: row.source,
              updated_at: row.updated_at,
            }),
          )
          .execute();
        await tx.deleteFrom('gatehouse_organization_domains').where('organization_id', '=', o.id).execute();
        if (o.domains.length)
          await tx
            .insertInto('gatehouse_organization_domains')
            .values(o.domains.map((domain) => ({ domain, organization_id: o.id })))
            .execute();
      }),
    );
  }

  async deleteOrganization(id: string): Promise<boolean> {
    return this.#orgs.transaction().execute(async (tx) => {
      await tx.deleteFrom('gatehouse_organization_members').where('organization_id', '=', id).execute();
      await tx.deleteFrom('gatehouse_organization_domains').where('organization_id', '=', id).execute();
      const result = await tx.deleteFrom('gatehouse_organizations').where('id', '=', id).executeTakeFirst();
      return affected(result) > 0;
    });
  }

  async saveMembership(m: MembershipRecord): Promise<void> {
    const roles = m.roles.join(' ');
    await this.#orgs
      .insertInto('gatehouse_organization_members')
      .values({
        organization_id: m.organizationId,
        user_id: m.userId,
        roles,
        created_at: m.createdAt,
        updated_at: m.updatedAt,
      })
      .onConflict((oc) =>
        oc.columns(['organization_id', 'user_id']).doUpdateSet({ roles, updated_at: m.updatedAt }),
      )
      .execute();
  }

  async removeMembership(organizationId: string, userId: string): Promise<boolean> {
    const result = await this.#orgs
      .deleteFrom('gatehouse_organization_members')
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return affected(result) > 0;
  }

  async getMembership(organizationId: string, userId: string): Promise<MembershipRecord | undefined> {
    const row = await this.#orgs
      .selectFrom('gatehouse_organization_members')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row ? membershipFromRow(row) : undefined;
  }

  async listUserMemberships(userId: string): Promise<UserMembership[]> {
    const rows = await this.#orgs
      .selectFrom('gatehouse_organization_members as m')
      .innerJoin('gatehouse_organizations as o', 'o.id', 'm.organization_id')
      .selectAll('m')
      .select('o.name as organization_name')
      .where('m.user_id', '=', userId)
      .orderBy('o.name')
      .orderBy('o.id')
      .execute();
    return rows.map((r) => ({ ...membershipFromRow(r), organizationName: r.organization_name }));
  }

  async listOrganizationMembers(organizationId: string): Promise<OrganizationMember[]> {
    const rows = await this.#orgs
      .selectFrom('gatehouse_organization_members as m')
      .innerJoin('gatehouse_users as u', 'u.id', 'm.user_id')
      .selectAll('m')
      .select('u.email')
      .where('m.organization_id', '=', organizationId)
      .orderBy('u.email_lower')
      .limit(10_000)
      .execute();
    return rows.map((r) => ({ ...membershipFromRow(r), email: r.email }));
  }
}

function organizationRow(o: OrganizationRecord): OrganizationsTable {
  return {
    id: o.id,
    name: o.name,
    connection: o.connection,
    source: o.source,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
}
