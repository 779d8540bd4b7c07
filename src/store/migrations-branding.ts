/**
 * Issue 16: branding edited at run time (branding-records.ts). One row, keyed 'current', holding the
 * edited fields as JSON; the configuration's `branding` applies while there is none.
 */
import type { Kysely, Migration } from 'kysely';

export function brandingSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('gatehouse_branding')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('gatehouse_branding').ifExists().execute();
    },
  };
}
