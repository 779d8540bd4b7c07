/**
 * Issue 16: upstream connections created through the admin API, the dashboard or the CLI
 * (connection-definition-records.ts). One row per connection: its configuration-schema JSON without
 * secrets, the secrets sealed apart, an enabled flag. A few rows at most, read whole.
 */
import type { Kysely, Migration } from 'kysely';

export function connectionDefinitionsSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('gatehouse_connection_definitions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('secrets_encrypted', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('gatehouse_connection_definitions').ifExists().execute();
    },
  };
}
