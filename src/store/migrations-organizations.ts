/**
 * Issue 16, organizations (migration 0012): the organizations themselves (seeded from the
 * configuration or created by administrators), the e-mail domains each one claims for home-realm
 * discovery (the primary key makes a domain belong to one organization at most), and memberships
 * (user × organization × roles). A grant and the authorization code that creates it remember the
 * organization the user acts in (`org_id`; NULL: none), so refreshes keep it.
 */
import type { Kysely, Migration } from 'kysely';

export function organizationsSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const s = db.schema;
      await s
        .createTable('gatehouse_organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('connection', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await s
        .createTable('gatehouse_organization_domains')
        .addColumn('domain', 'text', (c) => c.primaryKey())
        .addColumn('organization_id', 'text', (c) =>
          c.notNull().references('gatehouse_organizations.id').onDelete('cascade'),
        )
        .execute();
      await s
        .createIndex('gatehouse_organization_domains_org_idx')
        .on('gatehouse_organization_domains')
        .column('organization_id')
        .execute();
      await s
        .createTable('gatehouse_organization_members')
        .addColumn('organization_id', 'text', (c) =>
          c.notNull().references('gatehouse_organizations.id').onDelete('cascade'),
        )
        .addColumn('user_id', 'text', (c) => c.notNull().references('gatehouse_users.id').onDelete('cascade'))
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gatehouse_organization_members_pk', ['organization_id', 'user_id'])
        .execute();
      await s
        .createIndex('gatehouse_organization_members_user_idx')
        .on('gatehouse_organization_members')
        .column('user_id')
        .execute();
      await s.alterTable('gatehouse_grants').addColumn('org_id', 'text').execute();
      await s.alterTable('gatehouse_authorization_codes').addColumn('org_id', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('gatehouse_authorization_codes').dropColumn('org_id').execute();
      await db.schema.alterTable('gatehouse_grants').dropColumn('org_id').execute();
      await db.schema.dropTable('gatehouse_organization_members').ifExists().execute();
      await db.schema.dropTable('gatehouse_organization_domains').ifExists().execute();
      await db.schema.dropTable('gatehouse_organizations').ifExists().execute();
    },
  };
}
