/**
 * Issue 16 (upstream OpenID Connect): two tables.
 * - `gatehouse_connection_states`: one row per sign-in sent to an upstream provider, keyed by the
 *   SHA-256 of its `state` and bound to the browser by the SHA-256 of a cookie value; consumed once
 *   (a replayed callback finds it consumed), short-lived, deleted by housekeeping after expiry. It
 *   carries the pending authorization request (the sealed interaction) across the round trip.
 * - `gatehouse_linked_identities`: an upstream identity (issuer + sub, OIDC Core §2: unique together)
 *   linked to one Gatehouse user.
 */
import type { Kysely, Migration } from 'kysely';

export function connectionsSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('gatehouse_connection_states')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('connection_id', 'text', (c) => c.notNull())
        .addColumn('binding_hash', 'text', (c) => c.notNull())
        .addColumn('interaction', 'text')
        .addColumn('return_to', 'text')
        .addColumn('link_user_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('gatehouse_connection_states_expires_idx')
        .on('gatehouse_connection_states')
        .column('expires_at')
        .execute();
      await db.schema
        .createTable('gatehouse_linked_identities')
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('connection_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('gatehouse_users.id').onDelete('cascade'))
        .addColumn('email', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addPrimaryKeyConstraint('gatehouse_linked_identities_pk', ['issuer', 'subject'])
        .execute();
      await db.schema
        .createIndex('gatehouse_linked_identities_user_idx')
        .on('gatehouse_linked_identities')
        .column('user_id')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('gatehouse_linked_identities').ifExists().execute();
      await db.schema.dropTable('gatehouse_connection_states').ifExists().execute();
    },
  };
}
