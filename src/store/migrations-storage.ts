/**
 * Issue 11 (storage): aggregate audit rows and the indexes housekeeping and the dashboard need.
 *
 * An aggregate row stands for many events of one kind under flood (`count` of them, the first at `at`,
 * the last at `last_at`); `aggregate_key` names its bucket, unique so that concurrent instances add to
 * one row with a single upsert. Ordinary rows keep count 1 and a null key (NULLs never collide in a
 * unique index, on SQLite or PostgreSQL).
 */
import type { Kysely, Migration } from 'kysely';

export function storageSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const s = db.schema;
      await s
        .alterTable('gatehouse_audit_events')
        .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await s.alterTable('gatehouse_audit_events').addColumn('last_at', 'bigint').execute();
      await s.alterTable('gatehouse_audit_events').addColumn('aggregate_key', 'text').execute();
      await s
        .createIndex('gatehouse_audit_events_aggregate_key_idx')
        .on('gatehouse_audit_events')
        .column('aggregate_key')
        .unique()
        .execute();
      // The dashboard's per-day totals read one type over a time range.
      await s
        .createIndex('gatehouse_audit_events_type_at_idx')
        .on('gatehouse_audit_events')
        .columns(['type', 'at'])
        .execute();
      // CIMD garbage collection: CIMD clients neither used nor refreshed for a period.
      await s
        .createIndex('gatehouse_clients_source_updated_idx')
        .on('gatehouse_clients')
        .columns(['source', 'updated_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      const s = db.schema;
      await s.dropIndex('gatehouse_clients_source_updated_idx').ifExists().execute();
      await s.dropIndex('gatehouse_audit_events_type_at_idx').ifExists().execute();
      await s.dropIndex('gatehouse_audit_events_aggregate_key_idx').ifExists().execute();
      await s.alterTable('gatehouse_audit_events').dropColumn('aggregate_key').execute();
      await s.alterTable('gatehouse_audit_events').dropColumn('last_at').execute();
      await s.alterTable('gatehouse_audit_events').dropColumn('count').execute();
    },
  };
}
