/**
 * Issue 12: the replay cache of `private_key_jwt` client assertions (RFC 7523 §3 item 7: the server
 * may keep used `jti` values until the assertion expires; OIDC Core §9 makes `jti` single-use). One row
 * per (client, jti) while the assertion could still be accepted; housekeeping deletes it after `exp`.
 */
import type { Kysely, Migration } from 'kysely';

export function clientAssertionsSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('gatehouse_client_assertions')
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gatehouse_client_assertions_pk', ['client_id', 'jti'])
        .execute();
      await db.schema
        .createIndex('gatehouse_client_assertions_expires_idx')
        .on('gatehouse_client_assertions')
        .column('expires_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('gatehouse_client_assertions').ifExists().execute();
    },
  };
}
