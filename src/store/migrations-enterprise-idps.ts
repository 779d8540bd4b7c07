/**
 * Issue 17: trusted enterprise IdPs added at run time through the admin API, the dashboard or the CLI
 * (enterprise-idp-records.ts), next to those of the configuration. One row per IdP, keyed by its
 * issuer: the `enterprise.idps[]` JSON, validated by the same schema as the configuration's. A handful
 * of rows, read whole and cached briefly (src/grants/enterprise-idps.ts).
 */
import type { Kysely, Migration } from 'kysely';

export function enterpriseIdpsSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('gatehouse_enterprise_idps')
        .addColumn('issuer', 'text', (c) => c.primaryKey())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('gatehouse_enterprise_idps').ifExists().execute();
    },
  };
}
